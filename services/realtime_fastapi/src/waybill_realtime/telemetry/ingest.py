"""One batch of positions, from whichever transport: check, store, then publish and enqueue.

A new batch is stored by ``COPY``; one with positions stored before (a device resending a batch
whose answer it missed) is stored again with ``ON CONFLICT DO NOTHING`` (see ``store.py``).

Nothing is acknowledged before its ``COPY`` (or ``INSERT``) has committed; what happens after the
commit (the live update, the ETA task) may fail without failing the batch.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import JsonValue

from waybill_contracts.events import VehiclePosition
from waybill_contracts.permissions import OWN_VEHICLE_ONLY, Action, role_allows
from waybill_contracts.telemetry import RejectedPosition, RejectReason, TelemetryResult
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS, DatabaseUnavailable
from waybill_realtime.metrics import Metrics
from waybill_realtime.telemetry.eta import EtaScheduler
from waybill_realtime.telemetry.publisher import PositionPublisher
from waybill_realtime.telemetry.store import (
    AlreadyStored,
    VehicleAccess,
    copy_positions,
    insert_positions,
    vehicle_access,
)
from waybill_realtime.telemetry.validation import CheckedBatch, Position, check_batch, check_batch_json

logger = logging.getLogger(__name__)


def may_report(access: VehicleAccess, user_id: int) -> bool:
    """Drivers report for the vehicle assigned to them; dispatchers and above for any of the organization's."""
    if access.role is None or not access.active or not role_allows(access.role, Action.MOVE_SHIPMENTS):
        return False
    return access.role not in OWN_VEHICLE_ONLY or access.driver_id == user_id


@dataclass(frozen=True)
class Ingest:
    pool: Any
    """``db.create_raw_pool``."""
    publisher: PositionPublisher
    eta: EtaScheduler
    metrics: Metrics
    max_age: timedelta
    future_tolerance: timedelta

    async def __call__(self, *, user_id: int, items: Sequence[JsonValue]) -> TelemetryResult:
        checked = check_batch(
            items, now=datetime.now(UTC), max_age=self.max_age, future_tolerance=self.future_tolerance
        )
        return await self.store(user_id=user_id, checked=checked)

    async def from_json(self, *, user_id: int, body: bytes) -> TelemetryResult:
        """A ``TelemetryBatch`` body as sent over HTTP; ``BatchRefused`` when it is not one."""
        checked = check_batch_json(
            body, now=datetime.now(UTC), max_age=self.max_age, future_tolerance=self.future_tolerance
        )
        return await self.store(user_id=user_id, checked=checked)

    async def store(self, *, user_id: int, checked: CheckedBatch) -> TelemetryResult:
        try:
            outcome = await self._store(user_id, checked.valid)
        except BACKEND_ERRORS as error:
            self.metrics.ingest_unavailable.inc()
            logger.warning("telemetry batch not stored: %s", type(error).__name__)
            raise DatabaseUnavailable from error
        for organization_id, position in _newest_per_vehicle(outcome.stored):
            self.publisher.offer(organization_id, VehiclePosition(**position))
        await self.eta.schedule(outcome.shipments)
        allowed = len(checked.valid) - len(outcome.refused)
        result = TelemetryResult(
            accepted=len(outcome.stored),
            duplicates=checked.repeated + allowed - len(outcome.stored),
            rejected=sorted([*checked.rejected, *outcome.refused], key=lambda item: item.index),
        )
        self.metrics.ingested_positions.labels("accepted").inc(result.accepted)
        self.metrics.ingested_positions.labels("duplicate").inc(result.duplicates)
        self.metrics.ingested_positions.labels("rejected").inc(len(result.rejected))
        return result

    async def _store(self, user_id: int, valid: Sequence[tuple[int, Position]]) -> "_Stored":
        """Who may report for which vehicle, then the new positions; the shipments they move."""
        async with raw_connection(self.pool) as connection:
            access = await vehicle_access(
                connection, user_id=user_id, vehicle_ids={position["vehicle_id"] for _, position in valid}
            )
            # Vehicle id -> its organization when the caller may report for it: decided once per vehicle,
            # not once per position (a batch is usually a few vehicles' many positions).
            organization_of = {
                vehicle_id: vehicle.organization_id
                for vehicle_id, vehicle in access.items()
                if may_report(vehicle, user_id)
            }
            allowed: list[tuple[int, Position]] = []
            refused: list[RejectedPosition] = []
            for index, position in valid:
                organization_id = organization_of.get(position["vehicle_id"])
                if organization_id is None:
                    # The same answer for another organization's vehicle and one that does not exist.
                    refused.append(RejectedPosition(index=index, reason=RejectReason.VEHICLE_NOT_ALLOWED))
                else:
                    allowed.append((organization_id, position))
            try:
                await copy_positions(connection, allowed)
                stored = allowed
            except AlreadyStored:  # some of it was stored before (a batch sent again): skip those
                inserted = await insert_positions(connection, allowed)
                stored = [
                    pair for pair in allowed if (pair[1]["vehicle_id"], pair[1]["recorded_at"]) in inserted
                ]
        moved = {position["vehicle_id"] for _, position in stored}
        shipments = sorted({shipment for vehicle in moved for shipment in access[vehicle].shipments})
        return _Stored(stored=stored, refused=refused, shipments=shipments)


@dataclass(frozen=True)
class _Stored:
    stored: list[tuple[int, Position]]
    """(organization id, position) of the positions this batch added."""
    refused: list[RejectedPosition]
    shipments: list[int]


def _newest_per_vehicle(stored: Sequence[tuple[int, Position]]) -> list[tuple[int, Position]]:
    """Only the newest of each vehicle is published, so only those become events (one object per vehicle)."""
    newest: dict[int, tuple[int, Position]] = {}
    for pair in stored:
        held = newest.get(pair[1]["vehicle_id"])
        if held is None or held[1]["recorded_at"] < pair[1]["recorded_at"]:
            newest[pair[1]["vehicle_id"]] = pair
    return list(newest.values())
