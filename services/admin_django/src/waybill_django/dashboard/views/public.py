"""The customer's tracking page and its JSON: no sign-in, only what a customer may see."""

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from waybill_contracts.channels import track_channel
from waybill_contracts.tracking import MAX_TRACKING_CODE_LENGTH, PublicTracking
from waybill_django.dashboard import conf
from waybill_django.dashboard.selectors import public_timeline, shipment_by_tracking_code
from waybill_django.shipments.public_tracking import approximate_position, arrival_window
from waybill_django.shipments.selectors import apublic_tracking, public_tracking

# Per client address (TRACK_RATE_LIMIT_PER_MINUTE, 60 by default): plenty for a customer's page,
# which re-reads itself at most twice a minute.


def _minute() -> int:
    return int(time.time() // 60)


def _rate_key(request: HttpRequest) -> str:
    """A fixed one-minute window per client address, in the shared cache (Redis in production)."""
    # allauth's reading of the client address, so that sign-in limits and this one agree.
    client = get_adapter(request).get_client_ip(request)
    return f"waybill:dashboard:track-rate:{client}:{_minute()}"


def _over_limit(request: HttpRequest) -> bool:
    key = _rate_key(request)
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > settings.TRACK_RATE_LIMIT_PER_MINUTE
    except ValueError:  # the key expired between add and incr
        return False


async def _aover_limit(request: HttpRequest) -> bool:
    key = _rate_key(request)
    await cache.aadd(key, 0, timeout=60)
    try:
        return await cache.aincr(key) > settings.TRACK_RATE_LIMIT_PER_MINUTE
    except ValueError:
        return False


def _too_many() -> HttpResponse:
    response = HttpResponse(
        "Too many requests; try again in a minute.", status=429, content_type="text/plain"
    )
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response


def _json(view: PublicTracking | None) -> HttpResponse:
    response = (
        JsonResponse({"detail": "not found"}, status=404)  # the same answer for any code that is not one
        if view is None
        else HttpResponse(view.model_dump_json(), content_type="application/json")
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def tracking_json(request: HttpRequest, code: str) -> HttpResponse:
    """``GET /t/<code>/status``: the page's data as JSON, the same object as the realtime ``GET /v1/track``."""
    if _over_limit(request):
        return _too_many()
    return _json(public_tracking(code=code))


@require_GET
async def tracking_json_async(request: HttpRequest, code: str) -> HttpResponse:
    """``tracking_json`` as an async view, for Django served by an ASGI server."""
    if await _aover_limit(request):
        return _too_many()
    return _json(await apublic_tracking(code=code))


@require_GET
def tracking(request: HttpRequest, code: str) -> HttpResponse:
    if _over_limit(request):
        return _too_many()
    shipment = shipment_by_tracking_code(code=code[:MAX_TRACKING_CODE_LENGTH])
    zone = shipment.organization.time_zone
    context = {
        "shipment": shipment,
        "organization_name": shipment.organization.name,
        "arrival": arrival_window(eta=shipment.eta) if shipment.eta and not shipment.is_finished else None,
        "position": approximate_position(shipment=shipment, now=timezone.now()),
        "time_zone_name": zone.replace("_", " "),
        "timeline": public_timeline(shipment=shipment),
        "ws_url": conf.realtime_websocket_url(request),
        "channel": track_channel(shipment.tracking_code),
        "tile_url": conf.map_tile_url(),
        "tile_attribution": conf.map_tile_attribution(),
    }
    partial = request.headers.get("HX-Request") == "true"
    with timezone.override(zone):  # the customer reads the times of the sender's organization
        response = render(
            request, "dashboard/tracking/_status.html" if partial else "dashboard/tracking/page.html", context
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
