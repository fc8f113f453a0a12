"""The live module's HTTP side: WebSocket tickets, switching organization, data the map loads."""

import redis
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from waybill_contracts.channels import org_channel
from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.ids import parse_id
from waybill_contracts.workflow import OPEN
from waybill_django.dashboard import conf
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.selectors import (
    MAP_DEFAULT_STATUSES,
    latest_positions,
    shipments_on_map,
    vehicle_track,
)
from waybill_django.dashboard.tickets import ws_ticket_issue
from waybill_django.fleet.selectors import vehicle_list
from waybill_django.organizations.context import switch_organization
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.models import Shipment

OPEN_VALUES = frozenset(status.value for status in OPEN)


@require_POST
@workspace_view()
def ticket(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """A single-use ticket for the current organization's channel, and where to use it."""
    try:
        issued = ws_ticket_issue(user=workspace.user, organization=workspace.organization)
    except redis.RedisError:
        return JsonResponse({"error": "Live updates are unavailable; try again shortly."}, status=503)
    response = JsonResponse(
        {
            "ticket": issued,
            "url": conf.realtime_websocket_url(request),
            "channel": org_channel(workspace.organization.pk),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view()
def switch(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization_id = parse_id(request.POST.get("organization_id", ""))
    membership = switch_organization(request, organization_id=organization_id) if organization_id else None
    if membership is None:
        messages.error(request, "You are not a member of that organization.")
    else:
        messages.success(request, f"You are now working in {membership.organization.name}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "dashboard:overview"
    return redirect(target)


MAP_SHIPMENTS_LIMIT = 1000
"""At most this many shipments per answer (the soonest due first): the map stays light at any volume."""


def _map_statuses(request: HttpRequest) -> list[ShipmentStatus]:
    chosen = [ShipmentStatus(v) for v in request.GET.getlist("status") if v in OPEN_VALUES]
    return chosen or sorted(MAP_DEFAULT_STATUSES)


def _shipment_json(shipment: Shipment) -> dict[str, object]:
    return {
        "id": shipment.pk,
        "reference": shipment.reference,
        "status": shipment.status,
        "vehicle_id": shipment.vehicle_id,
        "origin": [shipment.origin_latitude, shipment.origin_longitude, shipment.origin_address],
        "destination": [
            shipment.destination_latitude,
            shipment.destination_longitude,
            shipment.destination_address,
        ],
    }


@require_GET
@workspace_view(Action.VIEW_VEHICLES)
def map_data(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Vehicles at their latest position and the chosen shipments' ends, for the map.

    ``status`` (repeatable) picks the open statuses shown (default: on the road); ``shipment``
    answers one shipment whatever its status (a detail page, or one changed shipment after an
    event), so an event never makes the map load everything again.
    """
    organization = workspace.organization
    shipment_id = parse_id(request.GET.get("shipment", ""))
    statuses = _map_statuses(request)
    selected = shipments_on_map(organization=organization, statuses=statuses, shipment_id=shipment_id)
    shipments = [_shipment_json(s) for s in selected[:MAP_SHIPMENTS_LIMIT]]
    body: dict[str, object] = {
        "statuses": [s.value for s in statuses],
        "shipments": shipments,
        "truncated": len(shipments) == MAP_SHIPMENTS_LIMIT and selected.count() > MAP_SHIPMENTS_LIMIT,
    }
    if request.GET.get("vehicles", "1") != "0":
        positions = latest_positions(organization=organization)
        body["vehicles"] = [
            {
                "id": vehicle.pk,
                "plate": vehicle.plate,
                "label": vehicle.label,
                "latitude": positions[vehicle.pk].latitude if vehicle.pk in positions else None,
                "longitude": positions[vehicle.pk].longitude if vehicle.pk in positions else None,
                "recorded_at": (
                    positions[vehicle.pk].recorded_at.isoformat() if vehicle.pk in positions else None
                ),
            }
            for vehicle in vehicle_list(organization=organization)
        ]
    return JsonResponse(body)


@require_GET
@workspace_view(Action.VIEW_VEHICLES)
def track(request: HttpRequest, workspace: Workspace, vehicle_id: int) -> HttpResponse:
    points = vehicle_track(organization=workspace.organization, vehicle_id=vehicle_id, now=timezone.now())
    return JsonResponse(
        {
            "vehicle_id": vehicle_id,
            "points": [[p.latitude, p.longitude, p.recorded_at.isoformat()] for p in points],
        }
    )
