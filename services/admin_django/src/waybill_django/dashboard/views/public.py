"""The customer's tracking page: no sign-in, only what a customer may see."""

import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from waybill_contracts.channels import track_channel
from waybill_django.dashboard import conf
from waybill_django.dashboard.selectors import public_timeline, shipment_by_tracking_code
from waybill_django.shipments.public_tracking import approximate_position, arrival_window

MAX_CODE_LENGTH = 32
REQUESTS_PER_MINUTE = 60
"""Per client address: plenty for a customer's page (it re-reads itself at most twice a minute)."""


def _minute() -> int:
    return int(time.time() // 60)


def _over_limit(request: HttpRequest) -> bool:
    """A fixed one-minute window per client address, in the shared cache (Redis in production)."""
    # allauth's reading of the client address, so that sign-in limits and this one agree.
    client = get_adapter(request).get_client_ip(request)
    key = f"waybill:dashboard:track-rate:{client}:{_minute()}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > REQUESTS_PER_MINUTE
    except ValueError:  # the key expired between add and incr
        return False


@require_GET
def tracking(request: HttpRequest, code: str) -> HttpResponse:
    if _over_limit(request):
        response = HttpResponse(
            "Too many requests; try again in a minute.", status=429, content_type="text/plain"
        )
        response["Retry-After"] = "60"
        return response
    shipment = shipment_by_tracking_code(code=code[:MAX_CODE_LENGTH])
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
