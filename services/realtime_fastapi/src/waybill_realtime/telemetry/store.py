"""Positions into PostgreSQL: one read of who may report, then one ``COPY`` per batch (or one statement that skips duplicates).

Each statement runs on its own (autocommit) on a connection of the raw asyncpg
pool (``db.create_raw_pool``): a batch is one ``COPY``, atomic by itself, so a transaction
around it would add two round trips (``BEGIN``, ``COMMIT``) and nothing else.
The foreign keys still refuse a vehicle deleted in between.

``fleet_position`` is unique on (vehicle, recorded_at). A new batch, the usual
case, goes in by binary ``COPY`` (``copy_positions``), the cheapest write
PostgreSQL has; when any of its rows is already stored the unique constraint
refuses the whole ``COPY`` and the caller stores the batch again with
``insert_positions``: ``ON CONFLICT DO NOTHING`` skips what is already stored,
even when two batches race, and ``RETURNING`` tells which items were new.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

from waybill_contracts.enums import Role
from waybill_contracts.workflow import MOVING
from waybill_realtime.telemetry.validation import Position, PositionKey

# Each vehicle, the caller's role in its organization, and the shipments it moves (whose ETA depends
# on its position): one round trip for everything a batch needs to know before it is stored.
_VEHICLES: Final = """
    SELECT v.id, v.organization_id, v.driver_id, v.active, m.role,
        ARRAY(
            SELECT s.id FROM shipments_shipment s
            WHERE s.vehicle_id = v.id AND s.status = ANY($3::varchar[]) ORDER BY s.id
        ) AS shipments
    FROM fleet_vehicle v
    LEFT JOIN (
        organizations_membership m JOIN accounts_user u ON u.id = m.user_id AND u.is_active
    ) ON m.organization_id = v.organization_id AND m.user_id = $1
    WHERE v.id = ANY($2::bigint[])
"""

_INSERT: Final = """
    INSERT INTO fleet_position
        (vehicle_id, organization_id, recorded_at, latitude, longitude, speed_kmh, heading)
    SELECT b.vehicle_id, b.organization_id, b.recorded_at, b.latitude, b.longitude, b.speed_kmh, b.heading
    FROM unnest(
        $1::bigint[], $2::bigint[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]
    ) AS b(vehicle_id, organization_id, recorded_at, latitude, longitude, speed_kmh, heading)
    ON CONFLICT (vehicle_id, recorded_at) DO NOTHING
    RETURNING vehicle_id, recorded_at
"""

_COLUMNS: Final = (
    "vehicle_id",
    "organization_id",
    "recorded_at",
    "latitude",
    "longitude",
    "speed_kmh",
    "heading",
)

_MOVING_STATUSES: Final = sorted(status.value for status in MOVING)

AlreadyStored: Final = asyncpg.UniqueViolationError
"""What ``copy_positions`` raises when a row of the batch is stored already: nothing of it is stored."""


@dataclass(frozen=True)
class VehicleAccess:
    vehicle_id: int
    organization_id: int
    driver_id: int | None
    active: bool
    role: Role | None
    """The caller's role in the vehicle's organization (None: not an active member)."""
    shipments: tuple[int, ...]
    """Shipments this vehicle moves right now."""


async def vehicle_access(
    connection: Any, *, user_id: int, vehicle_ids: Collection[int]
) -> dict[int, VehicleAccess]:
    rows = await connection.fetch(_VEHICLES, user_id, sorted(vehicle_ids), _MOVING_STATUSES)
    return {
        row[0]: VehicleAccess(row[0], row[1], row[2], row[3], Role(row[4]) if row[4] else None, tuple(row[5]))
        for row in rows
    }


async def copy_positions(connection: Any, positions: Sequence[tuple[int, Position]]) -> None:
    """Store ``(organization id, position)`` pairs none of which is stored yet, or raise ``AlreadyStored``."""
    if not positions:
        return
    await connection.copy_records_to_table(
        "fleet_position",
        columns=_COLUMNS,
        records=[
            (
                position["vehicle_id"],
                organization_id,
                position["recorded_at"],
                position["latitude"],
                position["longitude"],
                position["speed_kmh"],
                position["heading"],
            )
            for organization_id, position in positions
        ],
    )


async def insert_positions(connection: Any, positions: Sequence[tuple[int, Position]]) -> set[PositionKey]:
    """Store ``(organization id, position)`` pairs not stored yet; returns the keys inserted."""
    if not positions:
        return set()
    rows = await connection.fetch(
        _INSERT,
        [position["vehicle_id"] for _, position in positions],
        [organization_id for organization_id, _ in positions],
        [position["recorded_at"] for _, position in positions],
        [position["latitude"] for _, position in positions],
        [position["longitude"] for _, position in positions],
        [position["speed_kmh"] for _, position in positions],
        [position["heading"] for _, position in positions],
    )
    return {(row[0], row[1]) for row in rows}
