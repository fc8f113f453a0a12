"""Overview, live map, dispatch board and the driver's phone view."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.ids import parse_id
from waybill_contracts.workflow import OPEN
from waybill_django.core.errors import DOMAIN_ERRORS, refusal
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.selectors import (
    MAP_DEFAULT_STATUSES,
    dispatch_loads,
    fleet_overview,
    onboarding_steps,
    shipment_status_counts,
    shipments_to_dispatch,
)
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.driver_day import render_driver_day
from waybill_django.dashboard.views.live import MAP_SHIPMENTS_LIMIT
from waybill_django.fleet.selectors import vehicle_get
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.models import STATUS_LABELS
from waybill_django.shipments.selectors import shipment_get, shipments_at_risk, shipments_late
from waybill_django.shipments.services import shipment_assign, shipment_unassign

ATTENTION_LIMIT = 10


@workspace_view()
def overview(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    if workspace.is_driver and not request.GET.get("all"):
        return redirect("dashboard:driver")
    organization, now = workspace.organization, timezone.now()
    counts = shipment_status_counts(organization=organization)
    fleet = fleet_overview(organization=organization, now=now)
    context = {
        "counts": [(status, STATUS_LABELS[status], count) for status, count in counts.items()],
        "open_total": sum(c for s, c in counts.items() if s in OPEN),
        "late": list(shipments_late(organization=organization, now=now)[:ATTENTION_LIMIT]),
        "at_risk": list(shipments_at_risk(organization=organization, now=now)[:ATTENTION_LIMIT]),
        "exceptions": counts[ShipmentStatus.EXCEPTION],
        "vehicles_online": sum(1 for row in fleet if row.online),
        "vehicles_total": len(fleet),
        "onboarding": {step.key: step.done for step in onboarding_steps(organization=organization)},
        "may_manage": workspace.may(Action.MANAGE_SHIPMENTS),
        "may_manage_vehicles": workspace.may(Action.MANAGE_VEHICLES),
        "may_manage_members": workspace.may(Action.MANAGE_MEMBERS),
    }
    return render_page(
        request, workspace, "dashboard/overview.html", context, partial="dashboard/partials/_overview.html"
    )


@workspace_view(Action.VIEW_VEHICLES)
def live_map(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    context = {
        "map_statuses": [(s.value, STATUS_LABELS[s]) for s in ShipmentStatus if s in OPEN],
        "map_default": {s.value for s in MAP_DEFAULT_STATUSES},
        "map_limit": MAP_SHIPMENTS_LIMIT,
    }
    return render_page(request, workspace, "dashboard/map.html", context)


@workspace_view(Action.MANAGE_SHIPMENTS)
def dispatch_board(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    context = {
        "waiting": shipments_to_dispatch(organization=organization),
        "loads": dispatch_loads(organization=organization, now=timezone.now()),
    }
    return render_page(
        request, workspace, "dashboard/dispatch.html", context, partial="dashboard/partials/_dispatch.html"
    )


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def dispatch_assign(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Assign a booked shipment to a vehicle (a click, or a drop on the board)."""
    organization = workspace.organization
    shipment_id, vehicle_id = (
        parse_id(request.POST.get("shipment", "")),
        parse_id(request.POST.get("vehicle", "")),
    )
    if shipment_id is None or vehicle_id is None:
        messages.error(request, "Choose a shipment and a vehicle.")
        return redirect("dashboard:dispatch")
    shipment = shipment_get(organization=organization, shipment_id=shipment_id)
    vehicle = vehicle_get(organization=organization, vehicle_id=vehicle_id)
    try:
        shipment_assign(shipment=shipment, vehicle=vehicle, actor=workspace.user)
    except DOMAIN_ERRORS as error:
        answer = refusal(error)
        messages.error(request, answer.text)
        if request.headers.get("HX-Request") == "true":
            return HttpResponse(answer.text, status=answer.status)
        return redirect("dashboard:dispatch")
    messages.success(request, f"{shipment.reference} is assigned to {vehicle.plate}.")
    return redirect("dashboard:dispatch")


@workspace_view()
def driver_view(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return render_driver_day(request, workspace)


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def dispatch_unassign(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Take an assigned shipment off its vehicle, back to the waiting column (the workflow's assigned → booked)."""
    shipment_id = parse_id(request.POST.get("shipment", ""))
    if shipment_id is None:
        messages.error(request, "Choose a shipment.")
        return redirect("dashboard:dispatch")
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    plate = shipment.vehicle.plate if shipment.vehicle else ""
    try:
        shipment_unassign(shipment=shipment, actor=workspace.user)
    except DOMAIN_ERRORS as error:
        messages.error(request, refusal(error).text)
        return redirect("dashboard:dispatch")
    messages.success(request, f"{shipment.reference} is off {plate} and waits for a vehicle again.")
    return redirect("dashboard:dispatch")
