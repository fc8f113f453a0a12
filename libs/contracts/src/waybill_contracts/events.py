"""Domain events: what Django writes to the outbox and the streams carry."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.jobs import JobKind, JobState


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
    vehicle_id: int | None = None
    """The vehicle the shipment is assigned to after the change, if any."""
    reason: str = ""
    """Why, when the change says (an exception, a cancellation)."""


class ShipmentUpdated(_Event):
    """Descriptive fields changed (never the status)."""

    type: Literal["shipment.updated"] = "shipment.updated"
    shipment_id: int
    reference: str
    changed_fields: list[str]


class InvitationCreated(_Event):
    """Someone was invited to join the organization; the worker emails the link."""

    type: Literal["invitation.created"] = "invitation.created"
    invitation_id: int
    role: Role


class JobProgress(_Event):
    """A background job (import, report) started, advanced or finished.

    Running updates are published straight to the stream and may be lost;
    the final state goes through the outbox, so a page always learns the end.
    """

    type: Literal["job.progress"] = "job.progress"
    job_id: UUID
    kind: JobKind
    state: JobState
    percent: int = Field(ge=0, le=100)
    error: str = ""


class VehiclePosition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vehicle_id: int
    recorded_at: datetime
    latitude: float
    longitude: float
    speed_kmh: float | None = None
    heading: float | None = None


class VehiclePositionsUpdated(_Event):
    """Vehicles of the organization reported new positions: the newest of each, once per publish tick.

    Published by the realtime service's telemetry ingest (not through the outbox: a lost update is
    superseded by the next). ``positions`` holds at most one entry per vehicle.
    """

    type: Literal["vehicle.positions_updated"] = "vehicle.positions_updated"
    positions: list[VehiclePosition]


class ShipmentEtaUpdated(_Event):
    """The estimated arrival of a shipment on its way changed, or whether it is at risk of being late."""

    type: Literal["shipment.eta_updated"] = "shipment.eta_updated"
    shipment_id: int
    reference: str
    eta: datetime | None
    """None when it cannot be estimated (no recent positions, vehicle standing still)."""
    at_risk: bool
    """The estimate falls after the end of the delivery window."""


class VehicleConnectivityChanged(_Event):
    """A vehicle stopped reporting positions for longer than allowed (offline), or reported again."""

    type: Literal["vehicle.connectivity_changed"] = "vehicle.connectivity_changed"
    vehicle_id: int
    plate: str
    online: bool
    last_position_at: datetime | None


Event = Annotated[
    ShipmentCreated
    | ShipmentStatusChanged
    | ShipmentUpdated
    | InvitationCreated
    | JobProgress
    | VehiclePositionsUpdated
    | ShipmentEtaUpdated
    | VehicleConnectivityChanged,
    Field(discriminator="type"),
]
"""Any event; parse with ``EVENT_ADAPTER.validate_json``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
