"""``GET /v1/track/{code}``: the public tracking page's data, without sign-in."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from waybill_contracts.tracking import PublicTracking
from waybill_realtime.client_address import client_address
from waybill_realtime.deps import ResourcesDep, SessionDep
from waybill_realtime.ratelimit import hit
from waybill_realtime.tracking import load_tracking

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
async def track(
    code: str, request: Request, response: Response, resources: ResourcesDep, session: SessionDep
) -> PublicTracking | JSONResponse:
    """Status, ETA when known, a coarse last position while on board, and the timeline."""
    settings = resources.settings
    client = client_address(request, trusted_proxy_count=settings.trusted_proxy_count)
    verdict = await hit(
        resources.redis, scope="track", client=client, limit=settings.track_rate_limit_per_minute
    )
    if not verdict.allowed:
        return JSONResponse(
            {"detail": "too many requests"},
            status_code=429,
            headers={"Retry-After": str(verdict.retry_after_seconds), "Cache-Control": "no-store"},
        )
    tracked = await load_tracking(session, code) if len(code) <= 32 else None
    if tracked is None:
        return JSONResponse(NOT_FOUND, status_code=404, headers={"Cache-Control": "no-store"})
    response.headers["Cache-Control"] = f"public, max-age={settings.track_cache_seconds}"
    return tracked.view
