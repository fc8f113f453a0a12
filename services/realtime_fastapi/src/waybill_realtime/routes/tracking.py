"""``GET /v1/track/{code}``: the public tracking page's data, without sign-in.

Served from the Redis projection (``tracking_projection.py``) when it holds a
current view, else from the database (and the view is projected for the next
reads). With the projection off (``TRACK_PROJECTION_TTL_SECONDS=0``) every
lookup reads the database.
"""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from waybill_contracts.tracking import PublicTracking
from waybill_realtime.client_address import client_address
from waybill_realtime.db import raw_connection
from waybill_realtime.ratelimit import Verdict
from waybill_realtime.resources import get_resources
from waybill_realtime.tracking import is_possible_code, load_tracking

router = APIRouter(prefix="/v1", tags=["tracking"])

NOT_FOUND = {"detail": "not found"}


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
    # Not ``ResourcesDep``: resolving a dependency was a tenth of the public hot path's CPU.
    resources = get_resources(request)
    settings = resources.settings
    client = client_address(request, trusted_proxy_count=settings.trusted_proxy_count)
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
        return JSONResponse(
            {"detail": "too many requests"},
            status_code=429,
            headers={"Retry-After": str(verdict.retry_after_seconds), "Cache-Control": "no-store"},
        )
    if body is None and is_possible_code(code):
        async with raw_connection(resources.raw_pool) as connection:
            if projection is not None:
                tracked = await projection.fill(connection, code)
            else:
                tracked = await load_tracking(connection, code)
        body = None if tracked is None else tracked.view.model_dump_json()
    if body is None:
        return JSONResponse(NOT_FOUND, status_code=404, headers={"Cache-Control": "no-store"})
    return Response(
        body,
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={settings.track_cache_seconds}"},
    )
