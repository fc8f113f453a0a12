"""The back office for shipments: edits, status changes and actions go through the domain services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.core.admin import (
    DomainAdminForm,
    DomainModelAdmin,
    Write,
    admin_actor,
    refusal_text,
)
from waybill_django.core.errors import DOMAIN_ERRORS
from waybill_django.fleet.models import Vehicle
from waybill_django.shipments.editing import editable_fields
from waybill_django.shipments.models import DETAIL_FIELDS, ProofOfDelivery, Shipment, TrackingEvent
from waybill_django.shipments.proof_files import PROOF_FILES, proof_file_response
from waybill_django.shipments.services import (
    shipment_assign,
    shipment_cancel,
    shipment_check_move,
    shipment_create,
    shipment_report_exception,
    shipment_transition,
    shipment_update_details,
)
from waybill_django.shipments.workflow import allowed_targets


class ShipmentAdminForm(DomainAdminForm[Shipment]):
    transition_to = forms.ChoiceField(
        required=False,
        label="Change status to",
        help_text="Only the moves the workflow allows from the current status are offered.",
    )
    transition_vehicle = forms.ModelChoiceField(
        queryset=Vehicle.unscoped.none(), required=False, label="Vehicle", help_text="When assigning."
    )
    transition_reason = forms.CharField(
        required=False, label="Reason", help_text="For an exception or a cancellation."
    )
    recipient_name = forms.CharField(required=False, help_text="Who received it, when delivering.")

    class Meta:
        model = Shipment
        fields = ("organization", *DETAIL_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An optional field here; the model's default applies when it is left empty.
        self.fields["parcels"].required = False
        if not self.instance.pk:
            return
        self.fields["organization"].disabled = True
        current = ShipmentStatus(self.instance.status)
        for name in DETAIL_FIELDS:
            self.fields[name].disabled = name not in editable_fields(current)
        left = self.instance.status_before_exception or None
        targets = allowed_targets(current, left_for_exception=ShipmentStatus(left) if left else None)
        transition_field = self.fields["transition_to"]
        assert isinstance(transition_field, forms.ChoiceField)
        transition_field.choices = [("", "— keep " + current.value + " —")] + [
            (status.value, status.value) for status in ShipmentStatus if status in targets
        ]
        vehicle_field = self.fields["transition_vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        vehicle_field.queryset = Vehicle.objects.in_organization(self.instance.organization_id).filter(
            active=True
        )

    def clean_parcels(self) -> int:
        parcels: int | None = self.cleaned_data.get("parcels")
        return 1 if parcels is None else parcels

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target = cleaned.get("transition_to")
        if target and self.instance.pk and self.domain_request is not None:
            try:
                shipment_check_move(
                    shipment=self.instance,
                    to_status=ShipmentStatus(target),
                    actor=admin_actor(self.domain_request),
                )
            except DOMAIN_ERRORS as error:
                self.add_error("transition_to", refusal_text(error))
        return cleaned


class ShipmentActionForm(ActionForm):
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.unscoped.filter(active=True).select_related("organization"),
        required=False,
        help_text="For “assign to a vehicle”.",
    )
    reason = forms.CharField(required=False, help_text="For “cancel” and “mark an exception”.")


@admin.register(Shipment)
class ShipmentAdmin(DomainModelAdmin[Shipment]):
    """Edits and moves go through the workflow; a shipment is never deleted (cancel it)."""

    domain_writes = {
        Write.ADD: shipment_create,
        Write.CHANGE: shipment_update_details,
    }
    form = ShipmentAdminForm
    action_form = ShipmentActionForm
    actions = ("cancel_shipments", "assign_to_vehicle", "mark_exception")
    list_display = (
        "reference",
        "organization",
        "status",
        "vehicle",
        "customer_name",
        "destination_address",
        "delivery_window_end",
        "updated_at",
    )
    list_filter = ("status", "organization", ("vehicle", admin.EmptyFieldListFilter))
    list_select_related = ("organization", "vehicle")
    search_fields = ("reference", "tracking_code", "customer_name", "customer_email", "vehicle__plate")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organization",)
    readonly_fields = (
        "status",
        "vehicle",
        "exception_reason",
        "tracking_code",
        "created_by",
        "created_at",
        "updated_at",
        "timeline",
        "proof",
    )

    # The timeline and the proof are read-only fields rather than inlines: an inline
    # formset would make every form post carry management data, which API-like
    # clients of the admin (the end-to-end test) do not send.
    @admin.display(description="Timeline")
    def timeline(self, obj: Shipment) -> str:
        events = obj.tracking_events.select_related("actor")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{event.occurred_at:%Y-%m-%d %H:%M:%S}",
                    event.previous_status or "—",
                    event.status,
                    event.note,
                    event.actor or "—",
                )
                for event in events
            ),
        )
        return format_html(
            "<table><tr><th>When</th><th>From</th><th>To</th><th>Note</th><th>By</th></tr>{}</table>", rows
        )

    @admin.display(description="Proof of delivery")
    def proof(self, obj: Shipment) -> str:
        proof = ProofOfDelivery.objects.filter(shipment=obj).first()
        if proof is None:
            return "—"
        return format_html(
            "Received by {} at {}. {}<br>{}",
            proof.recipient_name,
            proof.recorded_at,
            proof.note,
            proof_images(proof),
        )

    def get_fields(
        self, request: HttpRequest, obj: Shipment | None = None
    ) -> list[str | list[str] | tuple[str, ...]]:
        fields = list(super().get_fields(request, obj))
        # A new shipment starts as a draft: there is no status to change yet.
        transition_fields = {"transition_to", "transition_vehicle", "transition_reason", "recipient_name"}
        return fields if obj else [name for name in fields if name not in transition_fields]

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[Shipment]) -> Shipment:
        actor, data = admin_actor(request), form.cleaned_data
        details = {name: data[name] for name in DETAIL_FIELDS if name in data}
        if form.instance._state.adding:
            return shipment_create(organization=data["organization"], actor=actor, **details)
        # Compared with the stored row, so a form post that repeats the values changes nothing.
        stored = Shipment.unscoped.get(pk=form.instance.pk)
        changed = {name: value for name, value in details.items() if getattr(stored, name) != value}
        if changed:
            stored = shipment_update_details(shipment=stored, actor=actor, fields=changed)
        if target := data.get("transition_to"):
            stored = shipment_transition(
                shipment=stored,
                to_status=ShipmentStatus(target),
                actor=actor,
                vehicle=data.get("transition_vehicle"),
                reason=data.get("transition_reason", ""),
                recipient_name=data.get("recipient_name", ""),
            )
        return stored

    def _apply(self, request: HttpRequest, queryset: QuerySet[Shipment], step: Any, verb: str) -> None:
        done = 0
        for shipment in queryset:
            try:
                step(shipment)
            except DOMAIN_ERRORS as error:
                self.message_user(request, f"{shipment}: {refusal_text(error)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} shipment(s).", messages.SUCCESS)

    @admin.action(description="Cancel the selected shipments")
    def cancel_shipments(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        actor, reason = request.user, request.POST.get("reason", "")
        assert isinstance(actor, User)
        self._apply(
            request, queryset, lambda s: shipment_cancel(shipment=s, actor=actor, reason=reason), "Cancelled"
        )

    @admin.action(description="Assign the selected shipments to the chosen vehicle")
    def assign_to_vehicle(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        actor = request.user
        assert isinstance(actor, User)
        vehicle = Vehicle.unscoped.filter(pk=request.POST.get("vehicle") or 0).first()
        if vehicle is None:
            self.message_user(request, "Choose a vehicle to assign the shipments to.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            lambda s: shipment_assign(shipment=s, vehicle=vehicle, actor=actor),
            f"Assigned to {vehicle.plate}:",
        )

    @admin.action(description="Mark the selected shipments as an exception")
    def mark_exception(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        actor, reason = request.user, request.POST.get("reason", "")
        assert isinstance(actor, User)
        self._apply(
            request,
            queryset,
            lambda s: shipment_report_exception(shipment=s, actor=actor, reason=reason),
            "Marked as exception:",
        )


@admin.register(TrackingEvent)
class TrackingEventAdmin(DomainModelAdmin[TrackingEvent]):
    """Read-only: the timeline is written by the workflow functions."""

    list_display = ("shipment", "previous_status", "status", "actor", "occurred_at")
    list_filter = ("status", "organization")
    list_select_related = ("shipment", "actor")
    search_fields = ("shipment__reference", "note")
    date_hierarchy = "occurred_at"


def proof_images(proof: ProofOfDelivery) -> str:
    """The photo and signature as thumbnails linking to the full image, served by the admin's own view."""
    shown = [
        (reverse("admin:shipments_proofofdelivery_file", args=[proof.pk, kind]), kind)
        for kind in PROOF_FILES
        if getattr(proof, kind)
    ]
    if not shown:
        return format_html("{}", "No photo or signature.")
    return format_html_join(
        " ",
        '<a href="{0}"><img src="{0}" alt="{1}" class="proof-thumb" height="120"></a>',
        ((url, kind.title()) for url, kind in shown),
    )


@admin.register(ProofOfDelivery)
class ProofOfDeliveryAdmin(DomainModelAdmin[ProofOfDelivery]):
    """Read-only: recorded with the delivery."""

    list_display = ("shipment", "recipient_name", "files", "recorded_by", "recorded_at")
    readonly_fields = ("files",)
    list_select_related = ("shipment", "recorded_by")
    search_fields = ("shipment__reference", "recipient_name")
    date_hierarchy = "recorded_at"

    @admin.display(description="Photo and signature")
    def files(self, obj: ProofOfDelivery) -> str:
        return proof_images(obj)

    def get_urls(self) -> list[URLPattern]:
        serve = self.admin_site.admin_view(self.file_view)
        return [
            path("<int:proof_id>/file/<str:kind>/", serve, name="shipments_proofofdelivery_file"),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, proof_id: int, kind: str) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        proof = ProofOfDelivery.objects.filter(pk=proof_id).first()
        return proof_file_response(proof=proof, kind=kind)
