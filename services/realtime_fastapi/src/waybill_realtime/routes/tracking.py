"""``GET /v1/track/{code}``: the public tracking page's data, without sign-in.

Served from the Redis projection (``tracking_projection.py``) when it holds a
current view, else from the database (and the view is projected for the next
reads). With the projection off (``TRACK_PROJECTION_TTL_SECONDS=0``) every
lookup reads the database.

``TrackingFastPath`` answers it in front of FastAPI's router (``answer`` is the lookup both share);
the route below documents it in the OpenAPI schema and answers whatever the fast path lets through.
"""

import logging
from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter, Request, Response
from redis.exceptions import RedisError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from waybill_contracts.tracking import PublicTracking
from waybill_realtime.client_address import client_address
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS, DatabaseUnavailable, unavailable
from waybill_realtime.ratelimit import Verdict
from waybill_realtime.resources import Resources, get_resources
from waybill_realtime.tracking import is_possible_code, load_tracking

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["tracking"])

PATH_PREFIX: Final = "/v1/track/"
NOT_FOUND: Final = b'{"detail":"not found"}'
TOO_MANY: Final = b'{"detail":"too many requests"}'
_JSON: Final = (b"content-type", b"application/json")
_NO_STORE: Final = (b"cache-control", b"no-store")


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
    """Answers ``GET /v1/track/{code}`` without FastAPI's router, route and dependency layers.

    They cost the public hot path about as much CPU as the lookup itself; the lookup needs none of
    them (one path parameter, no body, no sign-in). The middlewares outside this one (request id and
    access log, security headers) apply as to every answer; a database that cannot be reached
    answers 503 with Retry-After as the route's error handlers do.
    """

    def __init__(self, app: ASGIApp, *, retry_after_seconds: int) -> None:
        self.app = app
        self._retry_after_seconds = retry_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        code = path[len(PATH_PREFIX) :]
        if not code or "/" in code:  # not this route (the router answers: a redirect, a 404)
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        resources = get_resources(connection)
        client = client_address(connection, trusted_proxy_count=resources.settings.trusted_proxy_count)
        try:
            found = await answer(resources, code, client)
        except (DatabaseUnavailable, *BACKEND_ERRORS) as error:
            logger.warning("GET %s: backend unavailable (%s)", path, type(error).__name__)
            await unavailable(self._retry_after_seconds)(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": found.status,
                "headers": [_JSON, (b"content-length", str(len(found.body)).encode()), *found.headers],
            }
        )
        await send({"type": "http.response.body", "body": found.body})
