"""``POST /v1/telemetry``: a device's batch of positions."""

from fastapi import APIRouter

from waybill_contracts.telemetry import TelemetryBatch, TelemetryResult
from waybill_realtime.deps import CurrentUser, ResourcesDep

router = APIRouter(prefix="/v1", tags=["telemetry"])


@router.post(
    "/telemetry",
    responses={
        422: {"description": "Not a batch (no positions, or more than allowed): nothing stored"},
        503: {"description": "Database unreachable: nothing stored; send the batch again after Retry-After"},
    },
)
async def report_positions(
    batch: TelemetryBatch, user: CurrentUser, resources: ResourcesDep
) -> TelemetryResult:
    """Store a batch of positions; each refused item is listed with its reason, the others are kept.

    Positions already stored (same vehicle and time) count as duplicates and change nothing, so a
    device may resend a batch whose answer it did not receive.
    """
    return await resources.ingest(user_id=user.id, items=batch.positions)
