"""The public view of a shipment, for whoever holds its tracking code.

Only ``waybill_contracts.tracking.PublicTracking`` leaves this module: no
organization, vehicle, person, note or internal id. ``load_tracking`` reads it
from the database (on a raw asyncpg connection); ``track_change`` applies one stream event to it (the
``track:`` channel and the Redis projection both keep it current that way).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

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


# On the raw asyncpg connection (``db.raw_connection``): the lookup is the public hot path, and
# SQLAlchemy's statement handling cost several times the queries' own time. One statement, a prepared
# statement of asyncpg's cache, reads the shipment, its timeline and its vehicle's last position: one
# round trip instead of three, and one snapshot (decision 0216;
# ``bench/bare_tracking.py``'s ``one_statement`` ceiling asks the same).
# The tables are those of ``tables.py`` (Shipment, TrackingEvent, Position). The timeline keeps status
# changes only: a failed delivery attempt, say, keeps the status. The position is read whatever the
# status (one index probe); ``load_tracking`` shows it only while ``POSITION_VISIBLE_STATUSES`` say so.
LOOKUP: Final = """
SELECT s.id, s.organization_id, s.status, s.vehicle_id, s.eta, t.statuses, t.times,
       p.latitude, p.longitude, p.recorded_at
FROM shipments_shipment s
CROSS JOIN LATERAL (
    SELECT array_agg(e.status ORDER BY e.occurred_at, e.id) AS statuses,
           array_agg(e.occurred_at ORDER BY e.occurred_at, e.id) AS times
    FROM shipments_trackingevent e
    WHERE e.shipment_id = s.id AND e.status != e.previous_status
) t
LEFT JOIN LATERAL (
    SELECT latitude, longitude, recorded_at FROM fleet_position
    WHERE vehicle_id = s.vehicle_id ORDER BY recorded_at DESC LIMIT 1
) p ON true
WHERE s.tracking_code = $1
"""


async def load_tracking(connection: Any, tracking_code: str) -> TrackedShipment | None:
    """The view of ``tracking_code``'s shipment, read on an asyncpg connection; None for an unknown code."""
    row = await connection.fetchrow(LOOKUP, tracking_code)
    if row is None:
        return None
    shipment_id, organization_id, raw_status, vehicle_id, eta, statuses, times, latitude, longitude, at = row
    status = ShipmentStatus(raw_status)
    last_position = None
    if at is not None and status in POSITION_VISIBLE_STATUSES:
        last_position = coarse(latitude, longitude, at)
    # The timeline's entries validated from plain dicts: cheaper than building each entry first.
    view = PublicTracking.model_validate(
        {
            "tracking_code": tracking_code,
            "status": status,
            "eta": eta if status in ETA_VISIBLE_STATUSES else None,
            "last_position": last_position,
            "timeline": [
                {"status": entry_status, "occurred_at": occurred_at}
                for entry_status, occurred_at in zip(statuses or (), times or (), strict=True)
            ],
        }
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
