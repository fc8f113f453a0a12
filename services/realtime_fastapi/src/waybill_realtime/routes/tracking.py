"""``GET /v1/track/{code}``: the public tracking page's data, without sign-in.

Served from the Redis projection (``tracking_projection.py``) when it holds a
current view, else from the database (and the view is projected for the next
reads). With the projection off (``TRACK_PROJECTION_TTL_SECONDS=0``) every
lookup reads the database.

``TrackingFastPath`` answers it in front of the app's middleware stack (``answer`` is the lookup both
share); the route below documents it in the OpenAPI schema and answers whatever the fast path lets through.
"""

import logging
import time
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request, Response
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waybill_contracts.tracking import PublicTracking
from waybill_realtime.client_address import client_address, scope_client_address
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS, DatabaseUnavailable, unavailable
from waybill_realtime.logs import REQUEST_ID_HEADER, log_access, request_id, request_id_of
from waybill_realtime.ratelimit import Verdict
from waybill_realtime.resources import Resources, get_resources
from waybill_realtime.security_headers import security_headers
from waybill_realtime.tracking import is_possible_code, load_tracking

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["tracking"])

PATH_PREFIX: Final = "/v1/track/"
NOT_FOUND: Final = b'{"detail":"not found"}'
TOO_MANY: Final = b'{"detail":"too many requests"}'
_JSON: Final = (b"content-type", b"application/json")
_NO_STORE: Final = (b"cache-control", b"no-store")
_REQUEST_ID: Final = REQUEST_ID_HEADER.encode()


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]
    """Besides content type and length."""


async def answer(resources: Resources, code: str, client: str) -> Answer:
    """The answer to ``client``'s lookup of ``code``; raises ``BACKEND_ERRORS`` while the database is away."""
    settings = resources.settings
    limit = settings.track_rate_limit_per_minute
    projection = resources.tracking if settings.track_projection_ttl_seconds else None
    body: str | None = None
    if projection is not None and is_possible_code(code):
        try:
            lookup = await projection.read(code, client=client, limit=limit)
            verdict, body = lookup.verdict, lookup.body
        except RedisError:  # as ``hit`` does: the limit protects the database, which answers regardless
            verdict = Verdict(True, 0)
    else:
        verdict = await resources.track_limit.hit(client, limit=limit)
    if not verdict.allowed:
        return Answer(429, TOO_MANY, [(b"retry-after", str(verdict.retry_after_seconds).encode()), _NO_STORE])
    if body is None and is_possible_code(code):
        async with raw_connection(resources.raw_pool) as connection:
            if projection is not None:
                tracked = await projection.fill(connection, code)
            else:
                tracked = await load_tracking(connection, code)
        body = None if tracked is None else tracked.view.model_dump_json()
    if body is None:
        return Answer(404, NOT_FOUND, [_NO_STORE])
    cache = f"public, max-age={settings.track_cache_seconds}".encode()
    return Answer(200, body.encode(), [(b"cache-control", cache)])


@router.get(
    "/track/{code}",
    response_model=PublicTracking,
    responses={
        404: {"description": "No shipment has this code (the same answer for any code that is not one)"},
        429: {"description": "Too many requests from this address; retry after Retry-After seconds"},
    },
)
async def track(code: str, request: Request) -> Response:
    """Status, ETA when known, a coarse last position while on board, and the timeline."""
    resources = get_resources(request)
    client = client_address(request, trusted_proxy_count=resources.settings.trusted_proxy_count)
    found = await answer(resources, code, client)
    response = Response(found.body, status_code=found.status, media_type="application/json")
    response.raw_headers.extend(found.headers)
    return response


class TrackingFastPath:
    """Answers ``GET /v1/track/{code}`` in front of the app's whole middleware stack.

    FastAPI's router, route and dependency layers cost the public hot path about as much CPU as the
    lookup itself (decision 0215), and the stack's middlewares, each with its own ``send`` wrapper,
    most of the rest (decision 0216); the lookup needs none of them (one path parameter, no body, no
    sign-in). So this layer does itself what those do to every answer: the request id and its header,
    the access log (``logs``), the security headers (``security_headers``), a 503 with Retry-After while
    the database cannot be reached (as the route's error handlers) and a 500 for anything else (as
    Starlette's ``ServerErrorMiddleware``, re-raising for the server's log). Anything else goes to ``app``.
    """

    def __init__(self, app: ASGIApp, *, owner: Starlette, retry_after_seconds: int, hsts: bool) -> None:
        self.app = app
        self._owner = owner
        """The application whose state holds the ``Resources`` (set by its lifespan)."""
        self._retry_after_seconds = retry_after_seconds
        self._headers = security_headers(hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        code = path[len(PATH_PREFIX) :]
        if not code or "/" in code:  # not this route (the router answers: a redirect, a 404)
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        current = request_id_of(scope["headers"])
        token = request_id.set(current)
        trailer = [*self._headers, (_REQUEST_ID, current.encode())]
        status = 0
        try:
            resources: Resources = self._owner.state.resources
            client = scope_client_address(scope, trusted_proxy_count=resources.settings.trusted_proxy_count)
            try:
                found = await answer(resources, code, client)
            except (DatabaseUnavailable, *BACKEND_ERRORS) as error:
                logger.warning("GET %s: backend unavailable (%s)", path, type(error).__name__)
                status = 503
                await unavailable(self._retry_after_seconds)(scope, receive, _adding(send, trailer))
                return
            status = found.status
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        _JSON,
                        (b"content-length", b"%d" % len(found.body)),
                        *found.headers,
                        *trailer,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": found.body})
        except Exception:
            if status == 0:
                status = 500
                await PlainTextResponse("Internal Server Error", status_code=500)(
                    scope, receive, _adding(send, trailer)
                )
            raise
        finally:
            log_access("GET", path, status, started)
            request_id.reset(token)


def _adding(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """``send``, with ``headers`` added to the start of the answer."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return sending
