"""Domain events: what Django writes to the outbox and the streams carry."""

from datetime import datetime
from typing import Annotated, ClassVar, Literal, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.jobs import JobKind, JobState


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    webhook: ClassVar[bool]
    """Whether organizations may receive it at their webhook endpoints; every event class decides."""

    event_id: UUID
    organization_id: int
    occurred_at: datetime


class ShipmentEvent(_Event):
    """An event about one shipment: ``shipment:<id>`` subscribers receive every one of them."""

    shipment_id: int
    reference: str


class ShipmentCreated(ShipmentEvent):
    webhook: ClassVar[bool] = True
    type: Literal["shipment.created"] = "shipment.created"
    status: ShipmentStatus


class ShipmentStatusChanged(ShipmentEvent):
    webhook: ClassVar[bool] = True
    type: Literal["shipment.status_changed"] = "shipment.status_changed"
    previous_status: ShipmentStatus
    status: ShipmentStatus
    vehicle_id: int | None = None
    """The vehicle the shipment is assigned to after the change, if any."""
    reason: str = ""
    """Why, when the change says (an exception, a cancellation)."""


class ShipmentUpdated(ShipmentEvent):
    """Descriptive fields changed (never the status)."""

    webhook: ClassVar[bool] = True
    type: Literal["shipment.updated"] = "shipment.updated"
    changed_fields: list[str]


class ShipmentDeliveryFailed(ShipmentEvent):
    """A delivery attempt failed (nobody in, address closed); the shipment stays in transit for another try."""

    webhook: ClassVar[bool] = True
    type: Literal["shipment.delivery_failed"] = "shipment.delivery_failed"
    reason: str
    """What the driver reported, for the customer and the dispatcher to read."""


class InvitationCreated(_Event):
    """Someone was invited to join the organization; the worker emails the link."""

    webhook: ClassVar[bool] = False  # it names a person invited, not the organization's business
    type: Literal["invitation.created"] = "invitation.created"
    invitation_id: int
    role: Role


class JobProgress(_Event):
    """A background job (import, report) started, advanced or finished.

    Running updates are published straight to the stream and may be lost;
    the final state goes through the outbox, so a page always learns the end.
    """

    webhook: ClassVar[bool] = False  # the progress of a page's own import or report
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

    webhook: ClassVar[bool] = False  # once a second per organization: streamed, never posted
    type: Literal["vehicle.positions_updated"] = "vehicle.positions_updated"
    positions: list[VehiclePosition]


class ShipmentEtaUpdated(ShipmentEvent):
    """The estimated arrival of a shipment on its way changed, or whether it is at risk of being late."""

    webhook: ClassVar[bool] = True
    type: Literal["shipment.eta_updated"] = "shipment.eta_updated"
    eta: datetime | None
    """None when it cannot be estimated (no recent positions, vehicle standing still)."""
    at_risk: bool
    """The estimate falls after the end of the delivery window."""


class VehicleConnectivityChanged(_Event):
    """A vehicle stopped reporting positions for longer than allowed (offline), or reported again."""

    webhook: ClassVar[bool] = True
    type: Literal["vehicle.connectivity_changed"] = "vehicle.connectivity_changed"
    vehicle_id: int
    plate: str
    online: bool
    last_position_at: datetime | None


Event = Annotated[
    ShipmentCreated
    | ShipmentStatusChanged
    | ShipmentUpdated
    | ShipmentDeliveryFailed
    | InvitationCreated
    | JobProgress
    | VehiclePositionsUpdated
    | ShipmentEtaUpdated
    | VehicleConnectivityChanged,
    Field(discriminator="type"),
]
"""Any event; parse with ``EVENT_ADAPTER.validate_json``."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_CLASSES: tuple[type[_Event], ...] = get_args(get_args(Event)[0])
"""Every event class of the union, in its order."""


def event_type(event_class: type[_Event]) -> str:
    """The ``type`` tag of an event class."""
    tag: str = event_class.model_fields["type"].default
    return tag


WEBHOOK_EVENT_TYPES: tuple[str, ...] = tuple(
    event_type(event_class) for event_class in EVENT_CLASSES if event_class.webhook
)
"""The event types a webhook endpoint may subscribe to (all of them when it names none)."""
