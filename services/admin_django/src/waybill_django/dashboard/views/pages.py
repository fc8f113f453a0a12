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
    driver_shipments,
    fleet_overview,
    onboarding_steps,
    shipment_status_counts,
    shipments_at_risk,
    shipments_late,
    shipments_to_dispatch,
)
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.live import MAP_SHIPMENTS_LIMIT
from waybill_django.dashboard.views.shipments import available_moves
from waybill_django.fleet.selectors import vehicle_get, vehicle_list
from waybill_django.organizations.permissions import Action
from waybill_django.planning.selectors import stops_in_order
from waybill_django.shipments.models import STATUS_LABELS
from waybill_django.shipments.selectors import shipment_get
from waybill_django.shipments.services import shipment_assign

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
        "vehicles": fleet_overview(organization=organization, now=timezone.now()),
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
    shipments = list(
        driver_shipments(organization=workspace.organization, driver=workspace.user, now=timezone.now())
    )
    rows = [(shipment, available_moves(shipment=shipment, workspace=workspace)) for shipment in shipments]
    return render_page(
        request,
        workspace,
        "dashboard/driver.html",
        {
            "rows": rows,
            "vehicles": vehicle_list(organization=workspace.organization).filter(driver=workspace.user),
            "stops": stops_in_order(
                organization=workspace.organization, driver=workspace.user, day=timezone.localdate()
            ),
        },
        partial="dashboard/partials/_driver.html",
    )
