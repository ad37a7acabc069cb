"""Why a query was not answered. Each error carries the HTTP status the endpoint answers with."""

from __future__ import annotations


class SparqlError(Exception):
    status = 500

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
    """Every worker stayed busy for longer than a request may wait."""

    status = 503


class QueryFailed(SparqlError):
    """The engine failed while evaluating, or its worker died."""

    status = 500
