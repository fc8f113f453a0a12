"""Forms of the dashboard: they validate input; the domain services decide and write."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.organizations.selectors import members_with_role
from waybill_django.shipments.bulk import BULK_ACTION_LABELS, BulkAction
from waybill_django.shipments.editing import editable_fields
from waybill_django.shipments.models import DETAIL_FIELDS, STATUS_CHOICES, STATUS_LABELS, Shipment
from waybill_django.shipments.uploads import validate_proof_upload

SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "status": ("status", "-created_at"),
    "customer": ("customer_name", "reference"),
    "delivery": ("delivery_window_end", "reference"),
}
SORT_LABELS = {
    "-created": "Newest first",
    "created": "Oldest first",
    "reference": "Reference A to Z",
    "-reference": "Reference Z to A",
    "status": "Status",
    "customer": "Customer",
    "delivery": "Delivery due",
}


class ShipmentFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *STATUS_CHOICES])
    vehicle = forms.ModelChoiceField(
        label="Vehicle", required=False, queryset=Vehicle.unscoped.none(), empty_label="Any vehicle"
    )
    sort = forms.ChoiceField(label="Sort", required=False, choices=list(SORT_LABELS.items()))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle_field = self.fields["vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        vehicle_field.queryset = Vehicle.objects.in_organization(organization).order_by("plate")


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ShipmentForm(forms.ModelForm[Shipment]):
    class Meta:
        model = Shipment
        fields = list(DETAIL_FIELDS)
        widgets = {
            "pickup_window_start": _DATETIME,
            "pickup_window_end": _DATETIME,
            "delivery_window_start": _DATETIME,
            "delivery_window_end": _DATETIME,
        }
        labels = {"weight_kg": "Weight (kg)"}

    groups = (
        ("Shipment", ("reference", "customer_name", "customer_email", "customer_phone")),
        ("Origin", ("origin_address", "origin_latitude", "origin_longitude")),
        ("Destination", ("destination_address", "destination_latitude", "destination_longitude")),
        (
            "Windows",
            ("pickup_window_start", "pickup_window_end", "delivery_window_start", "delivery_window_end"),
        ),
        ("Load", ("weight_kg", "parcels")),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        fixed = set(DETAIL_FIELDS) - editable_fields(self.instance.status) if self.instance.pk else set()
        for name, field in self.fields.items():
            if name in fixed:
                field.disabled = True
                field.help_text = "Fixed at this stage of the shipment."
            if name.endswith(("_latitude", "_longitude")):
                field.widget.attrs.update({"inputmode": "decimal", "step": "any"})
            if name == "customer_email":
                field.widget.attrs["autocomplete"] = "off"
            if name == "customer_phone":
                field.widget.input_type = "tel"
                field.widget.attrs["autocomplete"] = "off"

    def clean_reference(self) -> str:
        reference: str = self.cleaned_data["reference"].strip()
        others = Shipment.objects.in_organization(self.organization).filter(reference=reference)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("Another shipment of this organization has this reference.")
        return reference

    def validate_unique(self) -> None:
        # The organization is not a form field; clean_reference checks uniqueness within it.
        pass

    def changed_details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in DETAIL_FIELDS}

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS if name in self.cleaned_data}


class TransitionForm(forms.Form):
    """One workflow move; which extra field matters depends on the target."""

    to_status = forms.ChoiceField(choices=[(s.value, STATUS_LABELS[s]) for s in ShipmentStatus])
    vehicle = forms.ModelChoiceField(queryset=Vehicle.unscoped.none(), required=False)
    reason = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    recipient_name = forms.CharField(required=False, max_length=200, label="Received by")
    delivery_note = forms.CharField(required=False, max_length=1000, label="Note")
    photo = forms.FileField(required=False, validators=[validate_proof_upload], label="Photo (optional)")
    signature = forms.FileField(
        required=False, validators=[validate_proof_upload], label="Signature (optional)"
    )
    signed_name = forms.CharField(
        required=False, max_length=200, label="Or type your name to sign (optional)"
    )
    # The driver's pick-up sends the parcel's label (scanned or typed) and asks for it to be checked.
    label_code = forms.CharField(required=False, max_length=300, label="Code on the label")
    confirm_label = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle_field = self.fields["vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        vehicle_field.queryset = Vehicle.objects.in_organization(organization).filter(active=True)

    def target(self) -> ShipmentStatus:
        return ShipmentStatus(self.cleaned_data["to_status"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("confirm_label") and not (cleaned.get("label_code") or "").strip():
            self.add_error(
                "label_code", "Scan the parcel's label, or type the code printed under its QR code."
            )
        return cleaned

    def label_to_check(self) -> str | None:
        """The label to check the pick-up against; None when the page did not ask for one."""
        return self.cleaned_data["label_code"] if self.cleaned_data.get("confirm_label") else None


class BulkForm(forms.Form):
    """One action for the shipments ticked in the list."""

    action = forms.ChoiceField(label="Action", choices=list(BULK_ACTION_LABELS.items()))
    shipment = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    vehicle = forms.ModelChoiceField(
        label="Vehicle", queryset=Vehicle.unscoped.none(), required=False, empty_label="Vehicle (to assign)"
    )
    reason = forms.CharField(label="Reason (to cancel)", required=False, max_length=1000)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle_field = self.fields["vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        vehicle_field.queryset = Vehicle.objects.in_organization(organization).filter(active=True)

    def clean_shipment(self) -> list[int]:
        # The ids are checked against the organization by the domain; here only that they are numbers.
        return [int(value) for value in self.cleaned_data["shipment"] or [] if str(value).isdigit()]

    def bulk_action(self) -> BulkAction:
        return BulkAction(self.cleaned_data["action"])


class DriverChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class VehicleForm(forms.ModelForm[Vehicle]):
    """A vehicle's details; the driver is picked from the organization's members with the driver role."""

    driver = DriverChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="No driver",
        help_text="Members with the driver role. Invite drivers under Settings → Members.",
    )

    class Meta:
        model = Vehicle
        fields = ("plate", "label", "capacity_kg", "capacity_parcels", "driver")
        labels = {
            "plate": "Number plate",
            "label": "Name",
            "capacity_kg": "Capacity (kg)",
            "capacity_parcels": "Capacity (parcels)",
        }
        help_texts = {"label": "How dispatchers call it, e.g. “Van 2”."}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        driver_field = self.fields["driver"]
        assert isinstance(driver_field, DriverChoiceField)
        driver_field.queryset = members_with_role(organization=organization, role=Role.DRIVER)

    def clean_plate(self) -> str:
        plate: str = self.cleaned_data["plate"].strip().upper()
        others = Vehicle.objects.in_organization(self.organization).filter(plate__iexact=plate)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("Another vehicle of this organization has this plate.")
        return plate

    def validate_unique(self) -> None:
        # The organization is not a form field; clean_plate checks uniqueness within it.
        pass

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
