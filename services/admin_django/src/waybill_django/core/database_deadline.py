"""Fail fast when PostgreSQL is stopped or frozen: a query of a web request waits a bounded time, then 503.

The server's ``statement_timeout`` cannot help against a frozen server (it is
the server that would enforce it), and the kernel keeps acknowledging what a
stopped process is sent, so TCP never times out either. A query of a request
that has waited ``DATABASE_QUERY_DEADLINE_SECONDS`` has its socket shut down
from a watchdog thread: psycopg sees the connection closed and raises
``OperationalError``; Django drops that connection at the end of the request.
The health check of a reused connection, at the start of a request, is bounded
the same way (``core/postgresql``).
Any request that ended in a database error answers 503 with ``Retry-After``
instead of 500.
"""

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 5
_UNAVAILABLE = "_waybill_database_unavailable"
_WATCH_INTERVAL_SECONDS = 0.1

# Thread (one request each) -> (when its running query is cut, its connection).
_in_flight: dict[int, tuple[float, BaseDatabaseWrapper]] = {}
_watchdog_started = threading.Event()
_watchdog_lock = threading.Lock()


class DatabaseDeadlineMiddleware:
    """Outermost middleware: bounds every query of the request and turns database failures into 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with connection.execute_wrapper(_bounded):
            response = self.get_response(request)
        if getattr(request, _UNAVAILABLE, False) and response.status_code >= 500:
            return _unavailable(request)
        return response


@contextlib.contextmanager
def database_deadline(wrapper: BaseDatabaseWrapper) -> Iterator[None]:
    """Cut ``wrapper``'s connection if what runs inside waits on it longer than the deadline."""
    _start_watchdog()
    me = threading.get_ident()
    _in_flight[me] = (time.monotonic() + settings.DATABASE_QUERY_DEADLINE_SECONDS, wrapper)
    try:
        yield
    finally:
        _in_flight.pop(me, None)


def _bounded(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    with database_deadline(context["connection"]):
        return execute(sql, params, many, context)


def _start_watchdog() -> None:
    if _watchdog_started.is_set():
        return
    with _watchdog_lock:
        if not _watchdog_started.is_set():
            threading.Thread(target=_watch, name="database-deadline", daemon=True).start()
            _watchdog_started.set()


def _watch() -> None:
    while True:
        time.sleep(_WATCH_INTERVAL_SECONDS)
        now = time.monotonic()
        for thread, (deadline, wrapper) in list(_in_flight.items()):
            if now >= deadline and _in_flight.pop(thread, None) is not None:
                _cut(wrapper)


def _cut(wrapper: BaseDatabaseWrapper) -> None:
    raw = wrapper.connection
    if raw is None:
        return
    # A duplicate of the descriptor: shutting it down ends the socket psycopg waits on.
    with contextlib.suppress(OSError, ValueError), socket.socket(fileno=os.dup(raw.pgconn.socket)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def _note_database_failure(sender: object, request: HttpRequest | None = None, **_: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError | DatabaseError):
        setattr(request, _UNAVAILABLE, True)


got_request_exception.connect(_note_database_failure, dispatch_uid="waybill-database-unavailable")


def _unavailable(request: HttpRequest) -> HttpResponse:
    message = "The database is unavailable; try again shortly."
    response: HttpResponse
    if request.path.startswith("/api/") or "json" in request.headers.get("accept", ""):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
