"""The fleet: vehicles, their drivers and state; owners and admins add, edit and retire vehicles."""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_http_methods, require_POST

from waybill_django.core.errors import Conflict
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.forms import VehicleForm
from waybill_django.dashboard.selectors import fleet_overview
from waybill_django.dashboard.views.common import render_page
from waybill_django.fleet.models import Vehicle
from waybill_django.fleet.selectors import vehicle_get
from waybill_django.fleet.services import vehicle_create, vehicle_retire, vehicle_update
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.selectors import vehicle_manifest

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(text: str) -> date | None:
    """A ``YYYY-MM-DD`` day, or None for anything else (the page then shows today)."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return parse_date(text)
    except ValueError:
        return None


@workspace_view(Action.VIEW_VEHICLES)
def fleet(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    rows = fleet_overview(organization=workspace.organization, now=timezone.now())
    context = {"rows": rows, "may_manage_vehicles": workspace.may(Action.MANAGE_VEHICLES)}
    return render_page(
        request, workspace, "dashboard/fleet.html", context, partial="dashboard/partials/_fleet.html"
    )


def _form_page(
    request: HttpRequest, workspace: Workspace, form: VehicleForm, vehicle: Vehicle | None
) -> HttpResponse:
    context = {"form": form, "vehicle": vehicle}
    status = 400 if form.errors else 200
    return render_page(request, workspace, "dashboard/vehicle_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_VEHICLES)
def vehicle_new(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    form = VehicleForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = vehicle_create(organization=organization, actor=workspace.user, **form.details())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{vehicle.plate} is in the fleet.")
            return redirect("dashboard:fleet")
    return _form_page(request, workspace, form, None)


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_VEHICLES)
def vehicle_edit(request: HttpRequest, workspace: Workspace, vehicle_id: int) -> HttpResponse:
    vehicle = vehicle_get(organization=workspace.organization, vehicle_id=vehicle_id)
    form = VehicleForm(request.POST or None, instance=vehicle, organization=workspace.organization)
    if request.method == "POST" and form.is_valid():
        changed = {name: value for name, value in form.details().items() if name in form.changed_data}
        try:
            # The form has already written its values onto the instance; the service saves them.
            vehicle_update(vehicle=vehicle, actor=workspace.user, fields=changed)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{vehicle.plate} is saved.")
            return redirect("dashboard:fleet")
    return _form_page(request, workspace, form, vehicle)


@require_POST
@workspace_view(Action.MANAGE_VEHICLES)
def vehicle_retire_view(request: HttpRequest, workspace: Workspace, vehicle_id: int) -> HttpResponse:
    vehicle = vehicle_get(organization=workspace.organization, vehicle_id=vehicle_id)
    try:
        vehicle_retire(vehicle=vehicle, actor=workspace.user)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{vehicle.plate} is retired: it keeps its history and takes no shipments.")
    return redirect("dashboard:fleet")


@require_POST
@workspace_view(Action.MANAGE_VEHICLES)
def vehicle_restore(request: HttpRequest, workspace: Workspace, vehicle_id: int) -> HttpResponse:
    vehicle = vehicle_get(organization=workspace.organization, vehicle_id=vehicle_id)
    vehicle_update(vehicle=vehicle, actor=workspace.user, fields={"active": True})
    messages.success(request, f"{vehicle.plate} is back in service.")
    return redirect("dashboard:fleet")


@workspace_view(Action.VIEW_VEHICLES)
def vehicle_manifest_page(request: HttpRequest, workspace: Workspace, vehicle_id: int) -> HttpResponse:
    """A vehicle's day: what it carries, in order, with the totals; printable. ``?day=YYYY-MM-DD``."""
    vehicle = vehicle_get(organization=workspace.organization, vehicle_id=vehicle_id)
    day = _day(request.GET.get("day", "")) or timezone.localdate()
    shipments = list(vehicle_manifest(vehicle=vehicle, day=day, time_zone=workspace.time_zone))
    context = {
        "vehicle": vehicle,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "shipments": shipments,
        "total_parcels": sum(s.parcels for s in shipments),
        "total_weight": sum((s.weight_kg for s in shipments if s.weight_kg is not None), Decimal(0)),
    }
    return render_page(request, workspace, "dashboard/manifest.html", context)
