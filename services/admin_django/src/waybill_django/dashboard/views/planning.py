"""Plan the day: the depot, a plan computed live by the worker, its routes on a map, accepting it."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waybill_django.core.errors import DOMAIN_ERRORS, attach_errors, refusal
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.views.common import render_page
from waybill_django.organizations.permissions import Action
from waybill_django.planning.models import Depot, RoutePlan
from waybill_django.planning.selectors import (
    depot_of,
    planning_vehicles,
    route_plan_get,
    route_plan_map,
    route_plans_of_day,
    shipments_to_plan,
)
from waybill_django.planning.services import depot_set, route_plan_accept, route_plan_request

RECENT_PLANS = 10


class DepotForm(forms.ModelForm[Depot]):
    class Meta:
        model = Depot
        fields = ("address", "latitude", "longitude", "workday_start", "workday_end")
        labels = {"workday_start": "Working day starts", "workday_end": "Working day ends"}
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "any"}),
            "longitude": forms.NumberInput(attrs={"step": "any"}),
            "workday_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "workday_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"latitude": "Empty: the centre of the city the address names."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["latitude"].required = self.fields["longitude"].required = False

    def _post_clean(self) -> None:
        """The depot's rules are ``depot_set``'s (it locates an address given without coordinates)."""


class PlanForm(forms.Form):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))


def _day(request: HttpRequest) -> date:
    form = PlanForm(request.GET)
    return form.cleaned_data["day"] if form.is_valid() else timezone.localdate()


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_SHIPMENTS)
def planning(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """The planning page; a POST asks for a plan of the chosen day."""
    organization = workspace.organization
    day = _day(request)
    plan_form = PlanForm(request.POST if request.method == "POST" else None, initial={"day": day})
    status = 200
    if request.method == "POST":
        status = 400
        if plan_form.is_valid():
            day = plan_form.cleaned_data["day"]
            try:
                plan = route_plan_request(organization=organization, actor=workspace.user, day=day)
            except ValidationError as error:
                attach_errors(plan_form, error)
            except DOMAIN_ERRORS as error:
                answer = refusal(error)
                plan_form.add_error(None, answer.text)
                status = answer.status
            else:
                return redirect("dashboard:route_plan", plan.pk)
    depot = depot_of(organization=organization)
    context = _page(workspace, day=day, plan_form=plan_form, depot_form=DepotForm(instance=depot))
    return render_page(request, workspace, "dashboard/planning/index.html", context, status=status)


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def depot(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    form = DepotForm(request.POST, instance=depot_of(organization=organization))
    if form.is_valid():
        try:
            depot_set(organization=organization, actor=workspace.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "The depot and working hours are saved.")
            return redirect("dashboard:planning")
    day = timezone.localdate()
    context = _page(workspace, day=day, plan_form=PlanForm(initial={"day": day}), depot_form=form)
    return render_page(request, workspace, "dashboard/planning/index.html", context, status=400)


def _page(workspace: Workspace, *, day: date, plan_form: PlanForm, depot_form: DepotForm) -> dict[str, Any]:
    organization = workspace.organization
    return {
        "day": day,
        "plan_form": plan_form,
        "depot": depot_of(organization=organization),
        "depot_form": depot_form,
        "vehicles": planning_vehicles(organization=organization).count(),
        "to_plan": shipments_to_plan(organization=organization, day=day).count(),
        "plans": list(route_plans_of_day(organization=organization, day=day)[:RECENT_PLANS]),
    }


def _plan_of(workspace: Workspace, plan_id: int) -> RoutePlan:
    try:
        return route_plan_get(organization=workspace.organization, plan_id=plan_id)
    except ObjectDoesNotExist as error:
        raise Http404("No such plan.") from error


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def route_plan(request: HttpRequest, workspace: Workspace, plan_id: int) -> HttpResponse:
    return render_page(
        request,
        workspace,
        "dashboard/planning/plan.html",
        {"plan": _plan_of(workspace, plan_id)},
        partial="dashboard/planning/_plan_live.html",
    )


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def route_plan_data(request: HttpRequest, workspace: Workspace, plan_id: int) -> JsonResponse:
    plan = _plan_of(workspace, plan_id)
    return JsonResponse(route_plan_map(plan=plan, depot=depot_of(organization=workspace.organization)))


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def route_plan_accept_view(request: HttpRequest, workspace: Workspace, plan_id: int) -> HttpResponse:
    plan = _plan_of(workspace, plan_id)
    try:
        route_plan_accept(plan=plan, actor=workspace.user)
    except DOMAIN_ERRORS as error:
        answer = refusal(error)
        messages.error(request, answer.text)
        response = render_page(
            request, workspace, "dashboard/planning/plan.html", {"plan": _plan_of(workspace, plan_id)}
        )
        response.status_code = answer.status
        return response
    messages.success(request, f"The plan of {plan.day:%b %-d} is accepted: its shipments are assigned.")
    return redirect("dashboard:route_plan", plan.pk)
