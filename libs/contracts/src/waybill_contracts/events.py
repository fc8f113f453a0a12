"""Domain events: what Django writes to the outbox and the streams carry."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from waybill_contracts.enums import ShipmentStatus


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    organization_id: int
    occurred_at: datetime


class ShipmentCreated(_Event):
    type: Literal["shipment.created"] = "shipment.created"
    shipment_id: int
    reference: str
    status: ShipmentStatus


class ShipmentStatusChanged(_Event):
    type: Literal["shipment.status_changed"] = "shipment.status_changed"
    shipment_id: int
    reference: str
    previous_status: ShipmentStatus
    status: ShipmentStatus


Event = Annotated[ShipmentCreated | ShipmentStatusChanged, Field(discriminator="type")]
"""Any event; parse with ``EVENT_ADAPTER.validate_json``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
