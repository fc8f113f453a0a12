"""The public view of a shipment, for whoever holds its tracking code.

Only ``waybill_contracts.tracking.PublicTracking`` leaves this module: no
organization, vehicle, person, note or internal id. ``load_tracking`` reads it
from the database; ``track_change`` applies one stream event to it (the
``track:`` channel and the Redis projection both keep it current that way).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import Event, ShipmentEtaUpdated, ShipmentStatusChanged, VehiclePositionsUpdated
from waybill_contracts.tracking import (
    COARSE_POSITION_DECIMALS,
    ETA_VISIBLE_STATUSES,
    MAX_TRACKING_CODE_LENGTH,
    POSITION_VISIBLE_STATUSES,
    CoarsePosition,
    PublicTracking,
    TimelineEntry,
)
from waybill_realtime.tables import Position, Shipment, TrackingEvent


@dataclass(frozen=True)
class TrackedShipment:
    """The public view, and what the service needs to keep it current (never sent)."""

    shipment_id: int
    organization_id: int
    vehicle_id: int | None
    view: PublicTracking


def is_possible_code(code: str) -> bool:
    """False for what no shipment's code can be (too long, a NUL): answered 404 without a lookup."""
    return len(code) <= MAX_TRACKING_CODE_LENGTH and "\x00" not in code


def coarse(latitude: float, longitude: float, recorded_at: datetime) -> CoarsePosition:
    return CoarsePosition(
        latitude=round(latitude, COARSE_POSITION_DECIMALS),
        longitude=round(longitude, COARSE_POSITION_DECIMALS),
        recorded_at=recorded_at.replace(second=0, microsecond=0),
    )


_SHIPMENT: Final = select(
    Shipment.id, Shipment.organization_id, Shipment.status, Shipment.vehicle_id, Shipment.eta
)
_TIMELINE: Final = (
    select(TrackingEvent.status, TrackingEvent.occurred_at)
    # Status changes only: a failed delivery attempt, say, keeps the status.
    .where(TrackingEvent.status != TrackingEvent.previous_status)
    .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
)
_LAST_POSITION: Final = (
    select(Position.latitude, Position.longitude, Position.recorded_at)
    .order_by(Position.recorded_at.desc())
    .limit(1)
)


async def load_tracking(session: AsyncSession, tracking_code: str) -> TrackedShipment | None:
    shipment = (await session.execute(_SHIPMENT.where(Shipment.tracking_code == tracking_code))).first()
    if shipment is None:
        return None
    shipment_id, organization_id, raw_status, vehicle_id, eta = shipment.tuple()
    status = ShipmentStatus(raw_status)
    timeline = [
        TimelineEntry(status=ShipmentStatus(entry_status), occurred_at=occurred_at)
        for entry_status, occurred_at in (
            await session.execute(_TIMELINE.where(TrackingEvent.shipment_id == shipment_id))
        ).tuples()
    ]
    last_position = None
    if vehicle_id is not None and status in POSITION_VISIBLE_STATUSES:
        latest = (await session.execute(_LAST_POSITION.where(Position.vehicle_id == vehicle_id))).first()
        if latest is not None:
            last_position = coarse(*latest.tuple())
    view = PublicTracking(
        tracking_code=tracking_code,
        status=status,
        eta=eta if status in ETA_VISIBLE_STATUSES else None,
        last_position=last_position,
        timeline=timeline,
    )
    return TrackedShipment(shipment_id, organization_id, vehicle_id, view)


def track_change(
    view: PublicTracking, event: Event, *, shipment_id: int, vehicle_id: int | None
) -> tuple[PublicTracking, int | None] | None:
    """The view and the shipment's vehicle after ``event``; None when the public view stays as it was."""
    match event:
        case ShipmentStatusChanged() if event.shipment_id == shipment_id:
            vehicle_id = event.vehicle_id
            entry = TimelineEntry(status=event.status, occurred_at=event.occurred_at)
            visible = event.status in POSITION_VISIBLE_STATUSES
            view = view.model_copy(
                update={
                    "status": event.status,
                    "timeline": [*view.timeline, entry],
                    "last_position": view.last_position if visible else None,
                    "eta": view.eta if event.status in ETA_VISIBLE_STATUSES else None,
                }
            )
        case ShipmentEtaUpdated() if event.shipment_id == shipment_id and view.status in ETA_VISIBLE_STATUSES:
            if event.eta == view.eta:
                return None
            view = view.model_copy(update={"eta": event.eta})
        case VehiclePositionsUpdated() if vehicle_id is not None and view.status in POSITION_VISIBLE_STATUSES:
            mine = [position for position in event.positions if position.vehicle_id == vehicle_id]
            if not mine:
                return None
            newest = mine[-1]
            position = coarse(newest.latitude, newest.longitude, newest.recorded_at)
            if position == view.last_position:
                return None  # the public, coarse view did not change
            view = view.model_copy(update={"last_position": position})
        case _:
            return None
    return view, vehicle_id
