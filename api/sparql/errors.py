"""Why a query was not answered. Each error carries the HTTP status the endpoint answers with."""

from __future__ import annotations


class SparqlError(Exception):
    status = 500
    retry_after: int | None = None  # seconds, for a Retry-After header (429, 503)

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class QueryRejected(SparqlError):
    """Malformed (400), or not allowed on a public endpoint (403: updates, SERVICE, foreign graphs)."""

    status = 400


class QueryTooLarge(SparqlError):
    """Longer than the endpoint accepts: 413, or 414 when it came in a GET URL."""

    status = 413


class NotAcceptable(SparqlError):
    status = 406


class QueryTimeout(SparqlError):
    """The query ran out of time and its worker was killed."""

    status = 504


class ServiceBusy(SparqlError):
    """Every worker stayed busy for longer than a request may wait, or the slow lane's line is full."""

    status = 503
    retry_after = 2

    def __init__(self, message: str, status: int | None = None, retry_after: int | None = None) -> None:
        super().__init__(message, status)
        if retry_after is not None:
            self.retry_after = retry_after


class TooManyQueries(SparqlError):
    """The client already has as many slow queries waiting or running as it may."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Demoted(SparqlError):
    """Internal: the query ran past the fast lane's threshold and was stopped there, to be run
    again on the slow lane (service.py). Never reaches a client."""

    status = 503

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:.3f} s on the fast lane")
        self.seconds = seconds


class QueryFailed(SparqlError):
    """The engine failed while evaluating, or its worker died."""

    status = 500
