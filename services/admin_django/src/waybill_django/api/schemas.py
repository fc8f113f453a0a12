"""Request and response bodies of the integration API."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from ninja import Field, Schema

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.api.input import (
    INTEGER_COLUMN_MAX,
    NUMBER_ONLY,
    Boolean,
    Integer,
    NonBlankText,
    Text,
)
from waybill_django.api.model_fields import details_schema
from waybill_django.shipments.models import DETAIL_FIELDS, Shipment


class Error(Schema):
    detail: str = Field(description="What went wrong, for a person to read.")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Field errors, when a field is at fault."
    )


if TYPE_CHECKING:
    # mypy cannot follow classes built at runtime; these stand in for them.
    class ShipmentDetails(Schema): ...

    class ShipmentCreate(Schema): ...

    class ShipmentPatch(Schema): ...

else:
    ShipmentDetails = details_schema(
        "ShipmentDetails", Shipment, DETAIL_FIELDS, answer=True, doc="A shipment's descriptive fields."
    )
    ShipmentCreate = details_schema(
        "ShipmentCreate",
        Shipment,
        DETAIL_FIELDS,
        doc="A new draft shipment. The rules are the model's: a value it refuses answers 422 naming the field.",
    )
    ShipmentPatch = details_schema(
        "ShipmentPatch",
        Shipment,
        DETAIL_FIELDS,
        partial=True,
        doc="Only the fields sent are changed, as far as the status allows (docs/django.md: editing by status).",
    )


class ShipmentOut(ShipmentDetails):
    id: int
    tracking_code: str
    status: ShipmentStatus
    vehicle_id: int | None
    exception_reason: str
    created_at: datetime
    updated_at: datetime


class TransitionIn(Schema):
    to_status: ShipmentStatus
    vehicle_id: Integer | None = Field(default=None, description="Required to assign.")
    reason: Text = Field(default="", max_length=2000, description="Required to report an exception.")
    recipient_name: Text = Field(default="", max_length=200, description="Required to deliver.")


class DeliveryFailureIn(Schema):
    reason: NonBlankText = Field(
        min_length=1, max_length=1000, description="Why the attempt failed; the customer reads it."
    )


class TrackingEventOut(Schema):
    status: ShipmentStatus
    previous_status: ShipmentStatus | None
    note: str
    occurred_at: datetime

    @staticmethod
    def resolve_previous_status(obj: object) -> str | None:
        return getattr(obj, "previous_status", "") or None


# A vehicle's capacity: what PostgreSQL's integer column holds, never negative.
Capacity = Annotated[int, Field(ge=0, le=INTEGER_COLUMN_MAX), NUMBER_ONLY]
DRIVER_ID = "A member of the organization with the driver role, or null; another id answers 422."


class VehicleFields(Schema):
    label: Text = Field(default="", max_length=100)
    capacity_kg: Capacity | None = None
    capacity_parcels: Capacity | None = None
    active: Boolean = True
    driver_id: Integer | None = Field(default=None, description=DRIVER_ID)


class VehicleCreate(VehicleFields):
    plate: Text = Field(min_length=1, max_length=20)


class VehiclePatch(Schema):
    # Omitted means unchanged; null only where a vehicle may have none.
    plate: Text = Field(default=None, min_length=1, max_length=20)  # type: ignore[assignment]
    label: Text = Field(default=None, max_length=100)  # type: ignore[assignment]
    capacity_kg: Capacity | None = None
    capacity_parcels: Capacity | None = None
    active: Boolean = None  # type: ignore[assignment]
    driver_id: Integer | None = Field(default=None, description=DRIVER_ID)


class VehicleOut(VehicleFields):
    id: int
    plate: str
    created_at: datetime


class TokenCreate(Schema):
    name: Text = Field(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. It is shown only now: store it safely.")


class MemberOut(Schema):
    id: int
    user_id: int
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    role: Role
    created_at: datetime


class MemberPatch(Schema):
    role: Role


class InvitationCreate(Schema):
    email: Text = Field(max_length=254, json_schema_extra={"format": "email"})
    role: Role


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
