"""The back office for shipments: edits and status changes go through the domain services."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import (
    DETAIL_FIELDS,
    shipment_create,
    shipment_transition,
    shipment_update_details,
)
from waybill_django.shipments.workflow import TransitionNotAllowed, allowed_targets


class ShipmentAdminForm(forms.ModelForm[Shipment]):
    transition_to = forms.ChoiceField(
        required=False,
        label="Change status to",
        help_text="Only the moves the workflow allows from the current status are offered.",
    )

    class Meta:
        model = Shipment
        fields = ("organization", *DETAIL_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["organization"].disabled = True
            current = ShipmentStatus(self.instance.status)
            left = self.instance.status_before_exception or None
            targets = allowed_targets(current, left_for_exception=ShipmentStatus(left) if left else None)
            transition_field = self.fields["transition_to"]
            assert isinstance(transition_field, forms.ChoiceField)
            transition_field.choices = [("", "— keep " + current.value + " —")] + [
                (status.value, status.value) for status in ShipmentStatus if status in targets
            ]
        else:
            del self.fields["transition_to"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin[Shipment]):
    form = ShipmentAdminForm
    list_display = (
        "reference",
        "organization",
        "status",
        "customer_name",
        "destination_address",
        "updated_at",
    )
    list_filter = ("status", "organization")
    search_fields = ("reference", "tracking_code", "customer_name", "customer_email")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organization",)
    readonly_fields = ("status", "tracking_code", "created_by", "created_at", "updated_at")

    def get_fields(self, request: HttpRequest, obj: Shipment | None = None) -> tuple[str, ...]:
        # Without fieldsets the admin lists plain field names.
        names = tuple(name for name in super().get_fields(request, obj) if isinstance(name, str))
        # A new shipment starts as a draft: there is no status to change yet.
        return names if obj else tuple(name for name in names if name != "transition_to")

    def save_model(
        self, request: HttpRequest, obj: Shipment, form: forms.ModelForm[Shipment], change: bool
    ) -> None:
        actor = request.user
        assert isinstance(actor, User)
        details = {name: form.cleaned_data[name] for name in DETAIL_FIELDS}
        try:
            if not change:
                created = shipment_create(
                    organization=form.cleaned_data["organization"], actor=actor, **details
                )
                # The admin goes on with ``obj`` (messages, redirect): make it the created row.
                obj.pk = created.pk
                obj.refresh_from_db()
                return
            changed = {name: details[name] for name in form.changed_data if name in DETAIL_FIELDS}
            if changed:
                shipment_update_details(shipment=obj, actor=actor, fields=changed)
            if target := form.cleaned_data.get("transition_to"):
                shipment_transition(shipment=obj, to_status=ShipmentStatus(target), actor=actor)
        except (TransitionNotAllowed, PermissionDenied) as error:
            messages.error(request, str(error))
            raise
