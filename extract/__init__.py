"""Text → records: read policy documents and extract policies, measures, agencies, instruments, targets."""
