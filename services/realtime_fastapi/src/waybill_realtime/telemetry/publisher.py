"""Position updates to the organization streams, coalesced per vehicle per tick.

Ingest ``offer``s every accepted position; once per tick the newest of each
vehicle (newer than the latest already known) goes out as one
``vehicle.positions_updated`` event per organization. A busy fleet therefore
costs browsers one event per organization per tick, whatever the report rate.
The latest position of each vehicle is kept in a Redis hash per organization.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Final, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from waybill_contracts.events import VehiclePosition, VehiclePositionsUpdated
from waybill_contracts.streams import XADD_OPTIONS, stream_entry
from waybill_realtime.metrics import Metrics

logger = logging.getLogger(__name__)

# Sets each field whose stored position is older (compares the recorded_at epoch-ms prefix); returns those set.
_KEEP_NEWEST: Final = """
local changed = {}
for i = 1, #ARGV, 3 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  if not current or tonumber(string.match(current, '^(%d+)')) < tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. ' ' .. ARGV[i + 2])
    table.insert(changed, ARGV[i])
  end
end
return changed
"""


def latest_positions_key(organization_id: int) -> str:
    """Hash: vehicle id -> ``<recorded_at epoch ms> <VehiclePosition JSON>`` (the newest known)."""
    return f"waybill:org:{organization_id}:latest-positions"


def _epoch_ms(position: VehiclePosition) -> int:
    return int(position.recorded_at.timestamp() * 1000)


class PositionPublisher:
    def __init__(self, redis: "Redis", metrics: Metrics, *, interval_seconds: float) -> None:
        self._redis = redis
        self._metrics = metrics
        self._interval = interval_seconds
        self._pending: dict[int, dict[int, VehiclePosition]] = {}
        self._keep_newest = redis.register_script(_KEEP_NEWEST)

    def offer(self, organization_id: int, position: VehiclePosition) -> None:
        vehicles = self._pending.setdefault(organization_id, {})
        held = vehicles.get(position.vehicle_id)
        if held is None or held.recorded_at < position.recorded_at:
            vehicles[position.vehicle_id] = position

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for organization_id, vehicles in pending.items():
            try:
                await self._publish(organization_id, list(vehicles.values()))
            except RedisError:
                # The positions are stored; only this live update is lost, and the next one supersedes it.
                logger.warning(
                    "publishing positions of organization %s failed", organization_id, exc_info=True
                )

    async def close(self) -> None:
        with contextlib.suppress(RedisError):
            await self.flush()

    async def _publish(self, organization_id: int, positions: list[VehiclePosition]) -> None:
        arguments: list[str | int] = []
        for position in positions:
            arguments += [position.vehicle_id, _epoch_ms(position), position.model_dump_json()]
        changed = cast(
            list[str], await self._keep_newest(keys=[latest_positions_key(organization_id)], args=arguments)
        )
        newer = {int(vehicle_id) for vehicle_id in changed}
        fresh = [position for position in positions if position.vehicle_id in newer]
        if not fresh:
            return
        event = VehiclePositionsUpdated(
            event_id=uuid.uuid4(),
            organization_id=organization_id,
            occurred_at=datetime.now(UTC),
            positions=sorted(fresh, key=lambda position: position.vehicle_id),
        )
        key, fields = stream_entry(event)
        await self._redis.xadd(key, fields, **XADD_OPTIONS)  # type: ignore[arg-type]
        self._metrics.position_updates_published.inc()
