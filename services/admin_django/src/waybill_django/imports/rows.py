"""What one CSV row of a shipment import must look like: the shipment model's fields and rules."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from waybill_django.shipments.models import DETAIL_FIELDS, Shipment, shipment_details_check

# A row carries exactly the fields a shipment is created with.
COLUMNS = DETAIL_FIELDS
_FIELDS = forms.fields_for_model(Shipment, fields=DETAIL_FIELDS)
# An optional column: the model's default applies when it is empty.
_FIELDS["parcels"].required = False
REQUIRED_COLUMNS = frozenset(name for name, field in _FIELDS.items() if field.required)


class ShipmentRowForm(forms.Form):
    """The model's form fields and rules, without a query per row.

    A model form would run the model's unique and check constraints as
    database queries; the rules are checked by ``shipment_details_check``
    instead, and references for the whole file at once in SQL.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("parcels") is None:
            cleaned["parcels"] = Shipment._meta.get_field("parcels").get_default()
        if self.errors:
            return cleaned
        try:
            shipment_details_check(cleaned)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class _SharedFields(dict[str, forms.Field]):
    """The fields every row's form uses as they are: a form deep-copies its fields, a third of a row's time.

    Sharing is safe here: a row form only validates (it is never rendered),
    and validating changes no field.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> "_SharedFields":
        return self


# Assigned after the class statement: the form metaclass sets ``base_fields`` from declared fields.
ShipmentRowForm.base_fields = _SharedFields(_FIELDS)


def describe_errors(form: ShipmentRowForm) -> str:
    return "; ".join(
        f"{name}: {' '.join(map(str, messages))}" if name != "__all__" else " ".join(map(str, messages))
        for name, messages in form.errors.items()
    )


SAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {
        "reference": "PO-1001",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "customer_phone": "+49 40 123456",
        "origin_address": "Warehouse 1, Hamburg",
        "origin_latitude": "53.5511",
        "origin_longitude": "9.9937",
        "destination_address": "Alexanderplatz 1, Berlin",
        "destination_latitude": "52.5219",
        "destination_longitude": "13.4132",
        "pickup_window_start": "2030-01-31T08:00",
        "pickup_window_end": "2030-01-31T10:00",
        "delivery_window_start": "2030-01-31T14:00",
        "delivery_window_end": "2030-01-31T17:00",
        "weight_kg": "12.5",
        "parcels": "2",
    },
    {
        "reference": "PO-1002",
        "origin_address": "Warehouse 1, Hamburg",
        "destination_address": "Marienplatz 1, Munich",
    },
)
"""A template file: every column, one full row and one with only the required columns."""
