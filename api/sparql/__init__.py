"""The public SPARQL 1.1 endpoint: Oxigraph evaluates queries natively in worker processes, each
opening the built store (a pyoxigraph store directory) read-only; or a remote SPARQL 1.1 store does.

    service = SparqlService(store_dir, timeout_s=10.0, max_rows=10_000, workers=2)  # or RemoteSparqlService(url)
    app.include_router(create_sparql_router(service))   # GET/POST /sparql, the query page
    service.start() ... service.close()                  # or: with service: ...
    uvicorn.run(app, http=protocol.sparql_protocol(service))  # GET /sparql?query= ahead of the app

Names are imported lazily: worker processes import this package and should not pay for FastAPI.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import QueryFailed, QueryRejected, QueryTimeout, QueryTooLarge, ServiceBusy, SparqlError
    from .remote import RemoteSparqlService
    from .router import create_sparql_router
    from .service import SparqlResult, SparqlService

_EXPORTS = {
    "SparqlService": "service",
    "SparqlResult": "service",
    "RemoteSparqlService": "remote",
    "create_sparql_router": "router",
    "SparqlError": "errors",
    "QueryRejected": "errors",
    "QueryTooLarge": "errors",
    "QueryTimeout": "errors",
    "ServiceBusy": "errors",
    "QueryFailed": "errors",
}
__all__ = [
    "QueryFailed",
    "QueryRejected",
    "QueryTimeout",
    "QueryTooLarge",
    "RemoteSparqlService",
    "ServiceBusy",
    "SparqlError",
    "SparqlResult",
    "SparqlService",
    "create_sparql_router",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
