"""The public view of a shipment, for whoever holds its tracking code.

Only ``waybill_contracts.tracking.PublicTracking`` leaves this module: no
organization, vehicle, person, note or internal id.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.tracking import (
    COARSE_POSITION_DECIMALS,
    ETA_VISIBLE_STATUSES,
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


def coarse(latitude: float, longitude: float, recorded_at: datetime) -> CoarsePosition:
    return CoarsePosition(
        latitude=round(latitude, COARSE_POSITION_DECIMALS),
        longitude=round(longitude, COARSE_POSITION_DECIMALS),
        recorded_at=recorded_at.replace(second=0, microsecond=0),
    )


async def load_tracking(session: AsyncSession, tracking_code: str) -> TrackedShipment | None:
    shipment = (
        await session.execute(select(Shipment).where(Shipment.tracking_code == tracking_code))
    ).scalar()
    if shipment is None:
        return None
    status = ShipmentStatus(shipment.status)
    timeline = [
        TimelineEntry(status=ShipmentStatus(entry_status), occurred_at=occurred_at)
        for entry_status, occurred_at in (
            await session.execute(
                select(TrackingEvent.status, TrackingEvent.occurred_at)
                .where(TrackingEvent.shipment_id == shipment.id)
                # Status changes only: a failed delivery attempt, say, keeps the status.
                .where(TrackingEvent.status != TrackingEvent.previous_status)
                .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
            )
        ).tuples()
    ]
    last_position = None
    if shipment.vehicle_id is not None and status in POSITION_VISIBLE_STATUSES:
        latest = (
            await session.execute(
                select(Position.latitude, Position.longitude, Position.recorded_at)
                .where(Position.vehicle_id == shipment.vehicle_id)
                .order_by(Position.recorded_at.desc())
                .limit(1)
            )
        ).first()
        if latest is not None:
            last_position = coarse(*latest.tuple())
    view = PublicTracking(
        tracking_code=shipment.tracking_code,
        status=status,
        eta=shipment.eta if status in ETA_VISIBLE_STATUSES else None,
        last_position=last_position,
        timeline=timeline,
    )
    return TrackedShipment(shipment.id, shipment.organization_id, shipment.vehicle_id, view)
