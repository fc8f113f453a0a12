"""Shipments: the list, the detail with its live timeline and actions, create and edit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.workflow import EDITABLE
from waybill_django.core.errors import DOMAIN_ERRORS, attach_errors, refusal
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.forms import SORTS, ShipmentFilterForm, ShipmentForm, TransitionForm
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.driver_day import RejectedDelivery, render_driver_day
from waybill_django.dashboard.views.moves import available_moves
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.models import STATUS_LABELS, Shipment
from waybill_django.shipments.proof_files import proof_file_response
from waybill_django.shipments.selectors import (
    proof_of_delivery,
    shipment_failed_delivery_allowed,
    shipment_get,
    shipment_list,
    shipment_timeline,
)
from waybill_django.shipments.services import (
    shipment_create,
    shipment_deliver,
    shipment_record_failed_delivery,
    shipment_transition,
    shipment_update_details,
)

PAGE_SIZE = 25


@workspace_view()
def shipment_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    organization = workspace.organization
    filters = ShipmentFilterForm(request.GET or None, organization=organization)
    status, vehicle_id, search, sort = None, None, "", "-created"
    if filters.is_valid():
        status = ShipmentStatus(filters.cleaned_data["status"]) if filters.cleaned_data["status"] else None
        vehicle = filters.cleaned_data["vehicle"]
        vehicle_id = vehicle.pk if vehicle else None
        search = filters.cleaned_data["q"].strip()
        sort = filters.cleaned_data["sort"] or sort
    shipments = (
        shipment_list(organization=organization, status=status, vehicle_id=vehicle_id, search=search)
        .select_related("vehicle")
        .order_by(*SORTS[sort])
    )
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        workspace,
        "dashboard/shipments/list.html",
        {"filters": filters, "page": page, "sort": sort},
        partial="dashboard/shipments/_table.html",
    )


def _detail_context(
    shipment: Shipment, workspace: Workspace, form: TransitionForm | None = None
) -> dict[str, object]:
    return {
        "shipment": shipment,
        "timeline": shipment_timeline(shipment=shipment).select_related("actor"),
        "moves": available_moves(shipment=shipment, workspace=workspace),
        "may_report_failed_delivery": shipment_failed_delivery_allowed(
            shipment=shipment, actor=workspace.user, role=workspace.role
        ),
        "transition_form": form or TransitionForm(organization=workspace.organization),
        "editable": workspace.may(Action.MANAGE_SHIPMENTS) and shipment.status in EDITABLE,
        "proof": proof_of_delivery(shipment=shipment)
        if shipment.status == ShipmentStatus.DELIVERED
        else None,
    }


@workspace_view()
def shipment_detail(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    return render_page(
        request,
        workspace,
        "dashboard/shipments/detail.html",
        _detail_context(shipment, workspace),
        partial="dashboard/shipments/_detail_live.html",
    )


@workspace_view()
def shipment_proof(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    """The proof of delivery on one printable page."""
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    proof = proof_of_delivery(shipment=shipment)
    if proof is None:
        messages.error(request, f"{shipment.reference} has no proof of delivery yet.")
        return redirect("dashboard:shipment", shipment_id=shipment.pk)
    context = {"shipment": shipment, "proof": proof}
    return render_page(request, workspace, "dashboard/shipments/proof.html", context)


@workspace_view()
def shipment_proof_file(
    request: HttpRequest, workspace: Workspace, shipment_id: int, kind: str
) -> FileResponse:
    """The photo or signature, to members of the shipment's organization only (404 to anyone else)."""
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    return proof_file_response(proof=proof_of_delivery(shipment=shipment), kind=kind)


@require_POST
@workspace_view()
def shipment_move(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    """Apply one workflow move through the domain; refused moves answer 403 or 409 with the reason."""
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    form = TransitionForm(request.POST, request.FILES, organization=workspace.organization)
    status = 400
    if form.is_valid():
        target = form.target()
        try:
            if target is ShipmentStatus.DELIVERED:
                shipment_deliver(
                    shipment=shipment,
                    actor=workspace.user,
                    recipient_name=form.cleaned_data["recipient_name"],
                    note=form.cleaned_data["delivery_note"],
                    photo=form.cleaned_data["photo"],
                    signature=form.cleaned_data["signature"],
                    signed_name=form.cleaned_data["signed_name"].strip(),
                )
            else:
                shipment_transition(
                    shipment=shipment,
                    to_status=target,
                    actor=workspace.user,
                    vehicle=form.cleaned_data["vehicle"],
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as error:
            attach_errors(form, error)
        except DOMAIN_ERRORS as error:
            answer = refusal(error)
            messages.error(request, answer.text)
            status = answer.status
        else:
            messages.success(request, f"{shipment.reference} is now {STATUS_LABELS[target].lower()}.")
            return redirect(_next(request) or reverse("dashboard:shipment", args=[shipment.pk]))
    if status == 400 and _next(request) == reverse("dashboard:driver"):
        # The driver stays in the phone flow, with what they typed and the error beside its field.
        return render_driver_day(
            request, workspace, rejected=RejectedDelivery(shipment_id=shipment.pk, form=form), status=status
        )
    shipment.refresh_from_db()
    return render_page(
        request,
        workspace,
        "dashboard/shipments/detail.html",
        _detail_context(shipment, workspace, form),
        status=status,
    )


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_SHIPMENTS)
def shipment_new(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ShipmentForm(
        request.POST if request.method == "POST" else None, organization=workspace.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            shipment = shipment_create(
                organization=workspace.organization, actor=workspace.user, **form.details()
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, f"Shipment {shipment.reference} is created as a draft.")
            return redirect("dashboard:shipment", shipment.pk)
    return render_page(
        request,
        workspace,
        "dashboard/shipments/form.html",
        {"form": form, "shipment": None},
        status=_form_status(form),
    )


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_SHIPMENTS)
def shipment_edit(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    if shipment.status not in EDITABLE:
        messages.error(request, "A shipment's details can be changed only while draft or booked.")
        return redirect("dashboard:shipment", shipment.pk)
    form = ShipmentForm(
        request.POST if request.method == "POST" else None,
        instance=shipment,
        organization=workspace.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            shipment_update_details(
                shipment=Shipment.objects.in_organization(workspace.organization).get(pk=shipment.pk),
                actor=workspace.user,
                fields=form.changed_details(),
            )
        except ValidationError as error:
            attach_errors(form, error)
        except DOMAIN_ERRORS as error:
            form.add_error(None, refusal(error).text)
        else:
            messages.success(request, f"Shipment {shipment.reference} is saved.")
            return redirect("dashboard:shipment", shipment.pk)
    return render_page(
        request,
        workspace,
        "dashboard/shipments/form.html",
        {"form": form, "shipment": shipment},
        status=_form_status(form),
    )


def _next(request: HttpRequest) -> str:
    """Where a form asked to go back to (the driver view, the dispatch board), if it is on this site."""
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _form_status(form: ShipmentForm) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_POST
@workspace_view()
def shipment_delivery_failed(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    """Record a failed delivery attempt through the domain; a refusal answers 403, 409 or 422 with the reason."""
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    try:
        shipment_record_failed_delivery(
            shipment=shipment, actor=workspace.user, reason=request.POST.get("reason", "")
        )
    except DOMAIN_ERRORS as error:
        answer = refusal(error)
        messages.error(request, answer.text)
        return render_page(
            request,
            workspace,
            "dashboard/shipments/detail.html",
            _detail_context(shipment, workspace),
            status=answer.status,
        )
    messages.success(request, f"{shipment.reference}: the failed attempt is recorded and the customer told.")
    return redirect(_next(request) or reverse("dashboard:shipment", args=[shipment.pk]))
