"""One batch of positions, from whichever transport: check, store, then publish and enqueue.

Nothing is acknowledged before its transaction commits; what happens after the
commit (the live update, the ETA task) may fail without failing the batch.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import JsonValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waybill_contracts.events import VehiclePosition
from waybill_contracts.permissions import OWN_VEHICLE_ONLY, Action, role_allows
from waybill_contracts.telemetry import PositionReport, RejectedPosition, RejectReason, TelemetryResult
from waybill_realtime.errors import BACKEND_ERRORS, DatabaseUnavailable
from waybill_realtime.metrics import Metrics
from waybill_realtime.telemetry.eta import EtaScheduler
from waybill_realtime.telemetry.publisher import PositionPublisher
from waybill_realtime.telemetry.store import VehicleAccess, insert_positions, moving_shipments, vehicle_access
from waybill_realtime.telemetry.validation import check_batch

logger = logging.getLogger(__name__)


def may_report(access: VehicleAccess, user_id: int) -> bool:
    """Drivers report for the vehicle assigned to them; dispatchers and above for any of the organization's."""
    if access.role is None or not access.active or not role_allows(access.role, Action.MOVE_SHIPMENTS):
        return False
    return access.role not in OWN_VEHICLE_ONLY or access.driver_id == user_id


@dataclass(frozen=True)
class Ingest:
    sessions: async_sessionmaker[AsyncSession]
    publisher: PositionPublisher
    eta: EtaScheduler
    metrics: Metrics
    max_age: timedelta
    future_tolerance: timedelta

    async def __call__(self, *, user_id: int, items: Sequence[JsonValue]) -> TelemetryResult:
        checked = check_batch(
            items, now=datetime.now(UTC), max_age=self.max_age, future_tolerance=self.future_tolerance
        )
        rejected = checked.rejected
        try:
            async with self.sessions() as session, session.begin():
                access = await vehicle_access(
                    session, user_id=user_id, vehicle_ids={report.vehicle_id for _, report in checked.valid}
                )
                allowed: list[tuple[int, PositionReport]] = []
                for index, report in checked.valid:
                    vehicle = access.get(report.vehicle_id)
                    if vehicle is None or not may_report(vehicle, user_id):
                        # The same answer for another organization's vehicle and one that does not exist.
                        rejected.append(
                            RejectedPosition(index=index, reason=RejectReason.VEHICLE_NOT_ALLOWED)
                        )
                    else:
                        allowed.append((vehicle.organization_id, report))
                inserted = await insert_positions(session, allowed)
                moved = {vehicle_id for vehicle_id, _ in inserted}
                shipments = await moving_shipments(session, moved) if moved else []
        except BACKEND_ERRORS as error:
            self.metrics.ingest_unavailable.inc()
            logger.warning("telemetry batch not stored: %s", type(error).__name__)
            raise DatabaseUnavailable from error
        stored = [
            (org, report) for org, report in allowed if (report.vehicle_id, report.recorded_at) in inserted
        ]
        for organization_id, report in stored:
            self.publisher.offer(organization_id, VehiclePosition(**report.model_dump()))
        await self.eta.schedule(shipments)
        result = TelemetryResult(
            accepted=len(stored),
            duplicates=checked.repeated + len(allowed) - len(stored),
            rejected=sorted(rejected, key=lambda item: item.index),
        )
        self.metrics.ingested_positions.labels("accepted").inc(result.accepted)
        self.metrics.ingested_positions.labels("duplicate").inc(result.duplicates)
        self.metrics.ingested_positions.labels("rejected").inc(len(result.rejected))
        return result
