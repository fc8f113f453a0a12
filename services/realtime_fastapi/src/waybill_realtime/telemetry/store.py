"""Positions into PostgreSQL: one ``COPY`` per batch, or one statement that skips duplicates.

``fleet_position`` is unique on (vehicle, recorded_at). A new batch, the usual
case, goes in by binary ``COPY`` (``copy_positions``), the cheapest write
PostgreSQL has; when any of its rows is already stored the unique constraint
refuses the whole ``COPY`` and the caller stores the batch again, in a new
transaction, with ``insert_positions``: ``ON CONFLICT DO NOTHING`` skips what is
already stored, even when two batches race, and ``RETURNING`` tells which items
were new.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_contracts.enums import Role
from waybill_contracts.telemetry import PositionReport
from waybill_contracts.workflow import MOVING
from waybill_realtime.telemetry.validation import PositionKey

_VEHICLES: Final = text(
    """
    SELECT v.id, v.organization_id, v.driver_id, v.active, m.role
    FROM fleet_vehicle v
    LEFT JOIN (
        organizations_membership m JOIN accounts_user u ON u.id = m.user_id AND u.is_active
    ) ON m.organization_id = v.organization_id AND m.user_id = :user_id
    WHERE v.id = ANY(CAST(:vehicle_ids AS bigint[]))
    """
)

_INSERT: Final = text(
    """
    INSERT INTO fleet_position
        (vehicle_id, organization_id, recorded_at, latitude, longitude, speed_kmh, heading)
    SELECT b.vehicle_id, b.organization_id, b.recorded_at, b.latitude, b.longitude, b.speed_kmh, b.heading
    FROM unnest(
        CAST(:vehicle_id AS bigint[]), CAST(:organization_id AS bigint[]),
        CAST(:recorded_at AS timestamptz[]), CAST(:latitude AS float8[]), CAST(:longitude AS float8[]),
        CAST(:speed_kmh AS float8[]), CAST(:heading AS float8[])
    ) AS b(vehicle_id, organization_id, recorded_at, latitude, longitude, speed_kmh, heading)
    ON CONFLICT (vehicle_id, recorded_at) DO NOTHING
    RETURNING vehicle_id, recorded_at
    """
)

_COLUMNS: Final = (
    "vehicle_id",
    "organization_id",
    "recorded_at",
    "latitude",
    "longitude",
    "speed_kmh",
    "heading",
)

AlreadyStored: Final = asyncpg.UniqueViolationError
"""What ``copy_positions`` raises when a row of the batch is stored already: the transaction is lost."""

# Shipments whose ETA depends on their vehicle's position.
_MOVING_SHIPMENTS: Final = text(
    """
    SELECT id FROM shipments_shipment
    WHERE vehicle_id = ANY(CAST(:vehicle_ids AS bigint[])) AND status = ANY(CAST(:statuses AS varchar[]))
    """
)


@dataclass(frozen=True)
class VehicleAccess:
    vehicle_id: int
    organization_id: int
    driver_id: int | None
    active: bool
    role: Role | None
    """The caller's role in the vehicle's organization (None: not an active member)."""


async def vehicle_access(
    session: AsyncSession, *, user_id: int, vehicle_ids: Collection[int]
) -> dict[int, VehicleAccess]:
    rows = await session.execute(_VEHICLES, {"user_id": user_id, "vehicle_ids": sorted(vehicle_ids)})
    return {
        vehicle_id: VehicleAccess(
            vehicle_id, organization_id, driver_id, active, Role(role) if role else None
        )
        for vehicle_id, organization_id, driver_id, active, role in rows.tuples()
    }


async def copy_positions(session: AsyncSession, reports: Sequence[tuple[int, PositionReport]]) -> None:
    """Store ``(organization id, report)`` pairs none of which is stored yet, or raise ``AlreadyStored``.

    Runs on the session's connection, inside its transaction (already begun by an earlier statement).
    """
    if not reports:
        return
    driver = (await (await session.connection()).get_raw_connection()).driver_connection
    assert driver is not None  # an open, checked-out connection
    await driver.copy_records_to_table(
        "fleet_position",
        columns=_COLUMNS,
        records=[
            (
                report.vehicle_id,
                organization_id,
                report.recorded_at,
                report.latitude,
                report.longitude,
                report.speed_kmh,
                report.heading,
            )
            for organization_id, report in reports
        ],
    )


async def insert_positions(
    session: AsyncSession, reports: Sequence[tuple[int, PositionReport]]
) -> set[PositionKey]:
    """Store ``(organization id, report)`` pairs not stored yet; returns the keys inserted."""
    if not reports:
        return set()
    columns = {
        "vehicle_id": [report.vehicle_id for _, report in reports],
        "organization_id": [organization_id for organization_id, _ in reports],
        "recorded_at": [report.recorded_at for _, report in reports],
        "latitude": [report.latitude for _, report in reports],
        "longitude": [report.longitude for _, report in reports],
        "speed_kmh": [report.speed_kmh for _, report in reports],
        "heading": [report.heading for _, report in reports],
    }
    inserted = await session.execute(_INSERT, columns)
    return {(vehicle_id, recorded_at) for vehicle_id, recorded_at in inserted.tuples()}


async def moving_shipments(session: AsyncSession, vehicle_ids: Collection[int]) -> list[int]:
    rows = await session.scalars(
        _MOVING_SHIPMENTS,
        {"vehicle_ids": sorted(vehicle_ids), "statuses": sorted(status.value for status in MOVING)},
    )
    return list(rows)
