"""Reading the organizations' event streams in Redis."""

import logging
import uuid
from dataclasses import dataclass
from typing import Final, cast

from pydantic import ValidationError
from redis.asyncio import Redis

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.events import EVENT_ADAPTER, Event
from waybill_contracts.ws import STREAM_ID_PART_MAX
from waybill_realtime.streaming.stream_ids import ZERO, StreamId

logger = logging.getLogger(__name__)

WAKE_KEY_TTL_SECONDS: Final = 24 * 3600

RawEntries = list[tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class StreamEntry:
    stream_id: StreamId
    event: Event | None
    """None when the entry does not hold a valid event (it is skipped, but still advances the reader)."""


def _entries(raw: RawEntries, organization_id: int) -> list[StreamEntry]:
    entries = []
    for raw_id, fields in raw:
        event: Event | None = None
        try:
            event = EVENT_ADAPTER.validate_json(fields.get(STREAM_ENTRY_FIELD, ""))
        except ValidationError:
            logger.warning("skipping malformed entry %s of organization %s", raw_id, organization_id)
        entries.append(StreamEntry(StreamId.parse(raw_id), event))
    return entries


class OrgStreams:
    """The organization streams, and a wake-up stream of this replica's own to interrupt a blocked read."""

    def __init__(self, redis: "Redis", reader: "Redis") -> None:
        self._redis = redis
        self._reader = reader
        """Used only by ``read_live``, one blocking call at a time."""
        self._wake_key = f"waybill:realtime:wake:{uuid.uuid4().hex}"
        # A cursor rather than "$": a wake-up sent just before the read reaches Redis is still seen.
        self._wake_cursor = str(ZERO)

    async def latest_id(self, organization_id: int) -> StreamId:
        """The id of the newest entry, or 0-0 when the stream is empty."""
        newest = cast(RawEntries, await self._redis.xrevrange(org_stream_key(organization_id), count=1))
        return StreamId.parse(newest[0][0]) if newest else ZERO

    async def oldest_id(self, organization_id: int) -> StreamId | None:
        oldest = cast(RawEntries, await self._redis.xrange(org_stream_key(organization_id), count=1))
        return StreamId.parse(oldest[0][0]) if oldest else None

    async def read_after(self, organization_id: int, after: StreamId, *, count: int) -> list[StreamEntry]:
        if after.sequence < STREAM_ID_PART_MAX:
            start = f"({after}"
        elif after.milliseconds < STREAM_ID_PART_MAX:
            start = f"{after.milliseconds + 1}-0"  # Redis refuses "(" before the largest sequence
        else:
            return []  # nothing can follow the largest id
        raw = cast(
            RawEntries,
            await self._redis.xrange(org_stream_key(organization_id), min=start, max="+", count=count),
        )
        return _entries(raw, organization_id)

    async def read_live(
        self, cursors: dict[int, StreamId], *, block_ms: int, count: int
    ) -> dict[int, list[StreamEntry]]:
        """Entries after each organization's cursor; blocks until there are some, ``wake()`` or the timeout."""
        keys: dict[str, int] = {org_stream_key(org): org for org in cursors}
        streams: dict[str, str] = {org_stream_key(org): str(cursor) for org, cursor in cursors.items()}
        streams[self._wake_key] = self._wake_cursor
        # decode_responses=True and RESP2: a list of (key, entries), or None on timeout.
        response = cast(
            list[tuple[str, RawEntries]] | None,
            await self._reader.xread(
                streams,  # type: ignore[arg-type]  # redis-py's stub is narrower than what it accepts
                count=count,
                block=block_ms,
            ),
        )
        batches: dict[int, list[StreamEntry]] = {}
        for key, raw in response or []:
            if key == self._wake_key:
                self._wake_cursor = raw[-1][0]
            elif key in keys:
                batches[keys[key]] = _entries(raw, keys[key])
        return batches

    async def wake(self) -> None:
        """Make a blocked ``read_live`` return, so that it starts again with new cursors."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self._wake_key, {"wake": "1"}, maxlen=1, approximate=False)
            pipe.expire(self._wake_key, WAKE_KEY_TTL_SECONDS)
            await pipe.execute()

    async def close(self) -> None:
        await self._redis.delete(self._wake_key)
