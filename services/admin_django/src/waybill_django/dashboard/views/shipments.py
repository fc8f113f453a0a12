"""Shipments: the list, the detail with its live timeline and actions, create and edit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waybill_contracts.enums import ShipmentStatus
from waybill_django.core.errors import DOMAIN_ERRORS, attach_errors, refusal
from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.forms import SORTS, BulkForm, ShipmentFilterForm, ShipmentForm, TransitionForm
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.driver_day import RejectedDelivery, render_driver_day
from waybill_django.dashboard.views.moves import available_moves
from waybill_django.organizations.permissions import Action
from waybill_django.shipments.bulk import BULK_ACTION_LABELS, BulkOutcome, shipments_bulk_move
from waybill_django.shipments.editing import editable_fields
from waybill_django.shipments.export import shipments_csv
from waybill_django.shipments.labels import label_qr_svg, tracking_url
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
    shipment_duplicate,
    shipment_pick_up,
    shipment_record_failed_delivery,
    shipment_transition,
    shipment_update_details,
)

PAGE_SIZE = 25


def _filtered(
    request: HttpRequest, workspace: Workspace
) -> tuple[ShipmentFilterForm, QuerySet[Shipment], str]:
    """The filter form of the query string, and the shipments it selects in its order."""
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
    return filters, shipments, sort


@workspace_view()
def shipment_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    filters, shipments, sort = _filtered(request, workspace)
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    bulk = BulkForm(organization=workspace.organization) if workspace.may(Action.MANAGE_SHIPMENTS) else None
    return render_page(
        request,
        workspace,
        "dashboard/shipments/list.html",
        {"filters": filters, "page": page, "sort": sort, "bulk": bulk},
        partial="dashboard/shipments/_table.html",
    )


@require_GET
@workspace_view()
def shipment_export(request: HttpRequest, workspace: Workspace) -> StreamingHttpResponse:
    """The filtered list (or only the ticked shipments, ``shipment=<id>`` repeated) as CSV."""
    _filters, shipments, _sort = _filtered(request, workspace)
    ticked = [int(value) for value in request.GET.getlist("shipment") if value.isdigit()]
    if ticked:
        shipments = shipments.filter(pk__in=ticked)
    response = StreamingHttpResponse(shipments_csv(shipments), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="waybill-shipments.csv"'
    return response


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def shipment_bulk(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Book, assign or cancel the ticked shipments through the workflow; the page lists each outcome."""
    form = BulkForm(request.POST, organization=workspace.organization)
    outcomes: list[BulkOutcome] = []
    status = 400
    if form.is_valid():
        try:
            outcomes = shipments_bulk_move(
                organization=workspace.organization,
                actor=workspace.user,
                shipment_ids=form.cleaned_data["shipment"],
                action=form.bulk_action(),
                vehicle=form.cleaned_data["vehicle"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        except DOMAIN_ERRORS as error:
            answer = refusal(error)
            form.add_error(None, answer.text)
            status = answer.status
        else:
            status = 200
    back = request.POST.get("next", "")
    context = {
        "form": form,
        "outcomes": outcomes,
        "action_label": BULK_ACTION_LABELS[form.bulk_action()] if outcomes else "",
        "done": sum(1 for o in outcomes if o.done),
        "refused": sum(1 for o in outcomes if not o.done),
        # Back to the list as it was filtered: a path of this site's list only.
        "back": back if back.startswith("/shipments/?") else reverse("dashboard:shipments"),
    }
    return render_page(request, workspace, "dashboard/shipments/bulk_result.html", context, status=status)


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
        "editable": workspace.may(Action.MANAGE_SHIPMENTS) and bool(editable_fields(shipment.status)),
        "may_duplicate": workspace.may(Action.MANAGE_SHIPMENTS),
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
            elif target is ShipmentStatus.PICKED_UP and (label_code := form.label_to_check()) is not None:
                shipment_pick_up(shipment=shipment, actor=workspace.user, label_code=label_code)
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
    if not editable_fields(shipment.status):
        messages.error(
            request,
            f"A {STATUS_LABELS[ShipmentStatus(shipment.status)].lower()} shipment's details cannot change any more.",
        )
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


@require_POST
@workspace_view(Action.MANAGE_SHIPMENTS)
def shipment_copy(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    try:
        copy = shipment_duplicate(shipment=shipment, actor=workspace.user)
    except DOMAIN_ERRORS as error:
        messages.error(request, refusal(error).text)
        return redirect("dashboard:shipment", shipment.pk)
    messages.success(
        request, f"{copy.reference} is a draft copy of {shipment.reference}: adjust it, then book it."
    )
    return redirect("dashboard:shipment_edit", copy.pk)


@workspace_view()
def shipment_label(request: HttpRequest, workspace: Workspace, shipment_id: int) -> HttpResponse:
    """The shipping label and waybill, on one printable page, with a QR code of the tracking page."""
    shipment = shipment_get(organization=workspace.organization, shipment_id=shipment_id)
    context = {
        "shipment": shipment,
        "qr": label_qr_svg(shipment=shipment),
        "tracking_url": tracking_url(shipment=shipment),
    }
    return render_page(request, workspace, "dashboard/shipments/label.html", context)


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
