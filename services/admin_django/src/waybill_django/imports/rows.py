"""What one CSV row of a shipment import must look like."""

from typing import Any

from django import forms

from waybill_django.shipments.services import DETAIL_FIELDS

# A row carries exactly the fields a shipment is created with.
COLUMNS = DETAIL_FIELDS
REQUIRED_COLUMNS = frozenset({"reference", "origin_address", "destination_address"})


class ShipmentRowForm(forms.Form):
    """The checks of ``Shipment``'s fields, without a query per row.

    A model form would run the model's check constraints as database queries;
    the windows are compared here instead, and references are checked for the
    whole file at once in SQL.
    """

    reference = forms.CharField(max_length=64)
    customer_name = forms.CharField(max_length=200, required=False)
    customer_email = forms.EmailField(required=False)
    origin_address = forms.CharField(max_length=300)
    origin_latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    origin_longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    destination_address = forms.CharField(max_length=300)
    destination_latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    destination_longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    pickup_window_start = forms.DateTimeField(required=False)
    pickup_window_end = forms.DateTimeField(required=False)
    delivery_window_start = forms.DateTimeField(required=False)
    delivery_window_end = forms.DateTimeField(required=False)
    weight_kg = forms.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=0)
    parcels = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for start, end in (
            ("pickup_window_start", "pickup_window_end"),
            ("delivery_window_start", "delivery_window_end"),
        ):
            if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
                self.add_error(end, "ends before it starts")
        if cleaned.get("parcels") is None:
            cleaned["parcels"] = 1
        return cleaned


def describe_errors(form: ShipmentRowForm) -> str:
    return "; ".join(
        f"{name}: {' '.join(map(str, messages))}" if name != "__all__" else " ".join(map(str, messages))
        for name, messages in form.errors.items()
    )
