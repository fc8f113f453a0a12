"""Structured logs: one JSON object per line, carrying the id of the request or connection being served.

The id comes from the ``X-Request-ID`` header when a proxy sets a sane one, or is made up; it is
echoed in the response's ``X-Request-ID`` so a client's report can be matched with the logs.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER: Final = "x-request-id"
_REQUEST_ID_HEADER: Final = REQUEST_ID_HEADER.encode()
_SANE_ID: Final = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_logger = logging.getLogger("waybill_realtime.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def log_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the app and uvicorn alike."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's id: the ``X-Request-ID`` a proxy set when it is a sane one, else a new one."""
    offered = b""
    for name, value in headers:
        if name == _REQUEST_ID_HEADER:
            offered = value  # the last one, as a dict of the headers keeps
    text = offered.decode("latin-1")
    return text if _SANE_ID.match(text) else uuid.uuid4().hex


def log_access(method: str, path: str, status: int, started: float) -> None:
    """The access log's line of one HTTP request (``started``: ``time.perf_counter()`` as it came)."""
    if not access_logger.isEnabledFor(logging.INFO):  # the production level is often WARNING: build nothing
        return
    access_logger.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "fields": {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        },
    )


class RequestIdMiddleware:
    """Sets the request id for everything logged while serving a request or a WebSocket; logs each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        current = request_id_of(scope["headers"])
        token = request_id.set(current)
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_REQUEST_ID_HEADER, current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                log_access(scope["method"], scope["path"], status, started)
            request_id.reset(token)
