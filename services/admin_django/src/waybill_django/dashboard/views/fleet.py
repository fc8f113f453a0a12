"""The fleet: vehicles, their drivers and state; owners and admins add, edit and retire vehicles."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
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
