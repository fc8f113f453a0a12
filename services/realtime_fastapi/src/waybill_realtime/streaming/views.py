"""What a narrower channel makes of its organization's stream entries.

``org:<id>`` passes every visible event on. The others read the same stream
and keep only what concerns them: ``shipment:<id>`` and ``job:<id>`` send those
events unchanged (same stream ids, so resuming works the same way);
``track:<code>`` turns them into the public view of its shipment.
"""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from waybill_contracts.enums import Role
from waybill_contracts.events import (
    Event,
    JobProgress,
    ShipmentEvent,
    ShipmentStatusChanged,
    VehiclePositionsUpdated,
)
from waybill_contracts.tracking import PublicTracking
from waybill_contracts.ws import EventMessage, TrackingMessage
from waybill_realtime.authorization import event_visible
from waybill_realtime.tracking import track_change


class ChannelView(Protocol):
    def frame(self, channel: str, stream_id: str, event: Event) -> str | None:
        """The frame to send for this entry, or None to send nothing."""


def _event_frame(channel: str, stream_id: str, event: Event) -> str:
    return EventMessage(channel=channel, stream_id=stream_id, event=event).model_dump_json()


@dataclass
class ShipmentView:
    shipment_id: int
    vehicle_id: int | None
    role: Role

    def frame(self, channel: str, stream_id: str, event: Event) -> str | None:
        if not event_visible(self.role, event):
            return None
        match event:
            case ShipmentStatusChanged() if event.shipment_id == self.shipment_id:
                self.vehicle_id = event.vehicle_id
                return _event_frame(channel, stream_id, event)
            case ShipmentEvent() if event.shipment_id == self.shipment_id:
                return _event_frame(channel, stream_id, event)
            case VehiclePositionsUpdated() if self.vehicle_id is not None:
                mine = [position for position in event.positions if position.vehicle_id == self.vehicle_id]
                if mine:
                    return _event_frame(channel, stream_id, event.model_copy(update={"positions": mine}))
        return None


@dataclass
class JobView:
    job_id: UUID
    role: Role

    def frame(self, channel: str, stream_id: str, event: Event) -> str | None:
        if isinstance(event, JobProgress) and event.job_id == self.job_id and event_visible(self.role, event):
            return _event_frame(channel, stream_id, event)
        return None


@dataclass
class TrackView:
    """Holds the public view (loaded on subscribe) and applies each change to it; every frame is the whole view."""

    shipment_id: int
    vehicle_id: int | None
    state: PublicTracking

    def frame(self, channel: str, stream_id: str, event: Event) -> str | None:
        changed = track_change(self.state, event, shipment_id=self.shipment_id, vehicle_id=self.vehicle_id)
        if changed is None:
            return None
        self.state, self.vehicle_id = changed
        return TrackingMessage(channel=channel, tracking=self.state).model_dump_json()
