"""Public tracking views kept current in Redis from the organization streams, so a lookup costs one Redis call.

A view enters Redis when ``GET /v1/track/{code}`` first looks the code up in
the database (``fill``); from then on the projector, one task per replica of
which one at a time holds a lease, applies the organization's stream events
to it: positions and ETAs in place (``track_change``), a status change by
reloading the view from the database (the change is committed before its event
is appended). ``read`` serves a view only when it reflects every entry of its
organization's stream, so a change appended to the stream shows on the very
next read even before the projector has applied it (the read then falls back
to the database). Two stream ids per organization make that exact:

- ``claimed``: the projector is applying entries up to here; a fill whose
  snapshot may predate one of them is not stored (the view is served anyway).
- ``applied``: every projected view of the organization reflects entries up to
  here.

A view is current when its stream's newest id is at or before
``max(its own as-of id, applied)``. Views expire ``ttl`` seconds after their
last fill; the projector skips the ones that did.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.events import EVENT_ADAPTER, Event, ShipmentStatusChanged, VehiclePositionsUpdated
from waybill_contracts.tracking import PublicTracking
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS
from waybill_realtime.ratelimit import WINDOW_SECONDS, Verdict, verdict, window_key
from waybill_realtime.script_batch import ScriptBatch
from waybill_realtime.streaming.stream_ids import StreamId
from waybill_realtime.tracking import TrackedShipment, load_tracking, track_change

logger = logging.getLogger(__name__)

ORGS_KEY: Final = "waybill:track:orgs"
LEASE_KEY: Final = "waybill:track:projector"
LEASE_MS: Final = 10_000
READ_BLOCK_MS: Final = 1000
READ_COUNT: Final = 500


def view_key(code: str) -> str:
    return f"waybill:track:view:{code}"


def codes_key(organization_id: int) -> str:
    return f"waybill:org:{organization_id}:track:codes"


def claimed_key(organization_id: int) -> str:
    return f"waybill:org:{organization_id}:track:claimed"


def applied_key(organization_id: int) -> str:
    return f"waybill:org:{organization_id}:track:applied"


# Stream ids compare as (milliseconds, sequence); both parts fit a Lua number exactly.
_AFTER: Final = """
local function after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
"""

# KEYS: rate-limit counter, view. ARGV: counter lifetime. Returns {count, view body or false}.
_READ: Final = (
    _AFTER
    + """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
local value = redis.call('GET', KEYS[2])
if not value then return {count, false} end
local org, as_of, body = string.match(value, '^(%d+) %d+ %d+ (%S+)\\n(.*)$')
local newest = redis.call('XREVRANGE', 'waybill:org:' .. org .. ':events', '+', '-', 'COUNT', 1)
if #newest == 0 or not after(newest[1][1], as_of) then return {count, body} end
local applied = redis.call('GET', 'waybill:org:' .. org .. ':track:applied')
if applied and not after(newest[1][1], applied) then return {count, body} end
return {count, false}
"""
)

# KEYS: view, the org's codes, orgs, claimed, applied. ARGV: as-of id, value, ttl, code, org.
# Stores only when the projector has not claimed entries after the snapshot's as-of id.
_FILL: Final = (
    _AFTER
    + """
local claimed = redis.call('GET', KEYS[4])
if claimed and after(claimed, ARGV[1]) then return 0 end
if not claimed then
  redis.call('SET', KEYS[4], ARGV[1])
  redis.call('SET', KEYS[5], ARGV[1])
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[5])
return 1
"""
)

# KEYS: claimed or applied. ARGV: id. Moves the marker forward only.
_ADVANCE: Final = (
    _AFTER
    + """
local current = redis.call('GET', KEYS[1])
if not current or after(ARGV[1], current) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""
)

_LEASE: Final = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
"""


@dataclass(frozen=True)
class Projected:
    """A view as stored: the view, its shipment, and the stream id it reflects."""

    tracked: TrackedShipment
    as_of: StreamId

    def encode(self) -> str:
        tracked = self.tracked
        header = f"{tracked.organization_id} {tracked.shipment_id} {tracked.vehicle_id or 0} {self.as_of}"
        return f"{header}\n{tracked.view.model_dump_json()}"

    @classmethod
    def decode(cls, value: str) -> "Projected":
        header, _, body = value.partition("\n")
        organization_id, shipment_id, vehicle_id, as_of = header.split(" ")
        view = PublicTracking.model_validate_json(body)
        tracked = TrackedShipment(int(shipment_id), int(organization_id), int(vehicle_id) or None, view)
        return cls(tracked, StreamId.parse(as_of))


@dataclass(frozen=True)
class Lookup:
    verdict: Verdict
    body: str | None
    """The view's JSON when Redis holds a current one; None: look it up in the database."""


class TrackingProjection:
    def __init__(self, redis: "Redis", reader: "Redis", pool: Any, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._reader = reader
        """The projector's own connection: its reads block."""
        self._pool = pool
        """``db.create_raw_pool``: the projector reloads views as lookups read them."""
        self._ttl = ttl_seconds
        self._identity = uuid.uuid4().hex
        # Every lookup runs it: the calls of concurrent lookups share a round trip (``script_batch``).
        self._read = ScriptBatch(redis, _READ)
        self._fill = redis.register_script(_FILL)
        self._advance = redis.register_script(_ADVANCE)
        self._lease = redis.register_script(_LEASE)

    async def read(self, code: str, *, client: str, limit: int) -> Lookup:
        """Counts the request against ``client``'s limit and returns the current view if Redis has one.

        Raises ``RedisError`` when Redis is unreachable (the caller allows the request and reads the database).
        """
        count, body = cast(
            list[int | str | None],
            await self._read(keys=[window_key("track", client), view_key(code)], args=[WINDOW_SECONDS * 2]),
        )
        return Lookup(verdict(int(count or 0), limit), body if isinstance(body, str) else None)

    async def fill(self, connection: Any, code: str) -> TrackedShipment | None:
        """The view from the database, stored in Redis unless the projector got ahead of this snapshot.

        Knowing the stream id at or after which the snapshot starts needs the organization, hence a
        first lookup; a second one, after reading the id, is the snapshot stored.
        """
        first = await load_tracking(connection, code)
        if first is None:
            return None
        organization_id = first.organization_id
        try:
            as_of = await self._newest_id(organization_id)
        except RedisError:
            return first
        tracked = await load_tracking(connection, code)
        if tracked is None:
            return None
        with contextlib.suppress(RedisError):
            await self._store(Projected(tracked, as_of))
        return tracked

    async def _store(self, projected: Projected) -> bool:
        tracked = projected.tracked
        organization_id = tracked.organization_id
        code = tracked.view.tracking_code
        stored = await self._fill(
            keys=[
                view_key(code),
                codes_key(organization_id),
                ORGS_KEY,
                claimed_key(organization_id),
                applied_key(organization_id),
            ],
            args=[str(projected.as_of), projected.encode(), self._ttl, code, organization_id],
        )
        return bool(stored)

    async def _newest_id(self, organization_id: int) -> StreamId:
        newest = cast(
            list[tuple[str, object]], await self._redis.xrevrange(org_stream_key(organization_id), count=1)
        )
        return StreamId.parse(newest[0][0]) if newest else StreamId(0, 0)

    async def run(self) -> None:
        """The projector: while this replica holds the lease, apply each organization's new entries."""
        while True:
            try:
                if await self._lease(keys=[LEASE_KEY], args=[self._identity, LEASE_MS]):
                    await self._project_once()
                else:
                    await asyncio.sleep(READ_BLOCK_MS / 1000)
            except (*BACKEND_ERRORS, ValidationError):
                logger.warning("tracking projector: retrying", exc_info=True)
                await asyncio.sleep(READ_BLOCK_MS / 1000)

    async def _project_once(self) -> None:
        organizations = [int(org) for org in cast(set[str], await self._redis.smembers(ORGS_KEY))]
        if not organizations:
            await asyncio.sleep(READ_BLOCK_MS / 1000)
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for organization_id in organizations:
                pipe.get(applied_key(organization_id))
            cursors = cast(list[str | None], await pipe.execute())
        streams = {
            org_stream_key(org): cursor or "0-0" for org, cursor in zip(organizations, cursors, strict=True)
        }
        keys = {org_stream_key(org): org for org in organizations}
        answer = cast(
            list[tuple[str, list[tuple[str, dict[str, str]]]]],
            await self._reader.xread(streams, count=READ_COUNT, block=READ_BLOCK_MS),  # type: ignore[arg-type]
        )
        for key, entries in answer or []:
            await self.apply(keys[key], entries)

    async def apply(self, organization_id: int, entries: Sequence[tuple[str, dict[str, str]]]) -> None:
        """Apply stream entries (in order) to the organization's projected views."""
        if not entries:
            return
        last = entries[-1][0]
        await self._advance(keys=[claimed_key(organization_id)], args=[last])
        codes = sorted(cast(set[str], await self._redis.smembers(codes_key(organization_id))))
        values = (
            cast(list[str | None], await self._redis.mget([view_key(code) for code in codes]))
            if codes
            else []
        )
        views = {code: Projected.decode(value) for code, value in zip(codes, values, strict=True) if value}
        gone = [code for code, value in zip(codes, values, strict=True) if value is None]
        changed: dict[str, Projected] = {}
        for raw_id, fields in entries:
            stream_id = StreamId.parse(raw_id)
            try:
                event = EVENT_ADAPTER.validate_json(fields.get(STREAM_ENTRY_FIELD, ""))
            except ValidationError:
                continue
            for code, projected in views.items():
                if projected.as_of >= stream_id:
                    continue
                after = await self._changed(projected, event, stream_id)
                if after is not None:
                    views[code] = changed[code] = after
        async with self._redis.pipeline(transaction=False) as pipe:
            for code, projected in changed.items():
                pipe.set(view_key(code), projected.encode(), xx=True, keepttl=True)
            if gone:
                pipe.srem(codes_key(organization_id), *gone)
            await pipe.execute()
        await self._advance(keys=[applied_key(organization_id)], args=[last])

    async def _changed(self, projected: Projected, event: Event, stream_id: StreamId) -> Projected | None:
        tracked = projected.tracked
        if isinstance(event, ShipmentStatusChanged):
            if event.shipment_id != tracked.shipment_id:
                return None
            async with raw_connection(self._pool) as connection:
                reloaded = await load_tracking(connection, tracked.view.tracking_code)
            return None if reloaded is None else Projected(reloaded, stream_id)
        if isinstance(event, VehiclePositionsUpdated) and tracked.vehicle_id is None:
            return None
        change = track_change(
            tracked.view, event, shipment_id=tracked.shipment_id, vehicle_id=tracked.vehicle_id
        )
        if change is None:
            return None
        view, vehicle_id = change
        return Projected(
            TrackedShipment(tracked.shipment_id, tracked.organization_id, vehicle_id, view), stream_id
        )
