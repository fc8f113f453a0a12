"""This replica's subscriptions, and the one task that reads their organizations' streams.

Invariant: a subscription receives stream entries in strictly increasing id
order, each at most once (``Subscription.offer`` drops anything at or before
the last id it passed on). Replay and live delivery may overlap; that rule
turns the overlap into neither a gap nor a duplicate.
"""

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from redis.exceptions import RedisError

from waybill_contracts.channels import ORG_STREAM_MAXLEN
from waybill_contracts.enums import Role
from waybill_contracts.ws import EventMessage
from waybill_realtime.authorization import event_visible
from waybill_realtime.metrics import Metrics
from waybill_realtime.streaming.outbound import Outbound, OutFrame
from waybill_realtime.streaming.stream_ids import ZERO, StreamId
from waybill_realtime.streaming.streams import OrgStreams, StreamEntry
from waybill_realtime.streaming.views import ChannelView

logger = logging.getLogger(__name__)

REPLAY_PAGE: Final = 200
READ_RETRY_SECONDS: Final = 1.0
REPLAY_ROOM_TIMEOUT_SECONDS: Final = 10.0
# Streams are trimmed to about ORG_STREAM_MAXLEN entries; twice that bounds the replay with room to spare.
MAX_REPLAY_PAGES: Final = 2 * ORG_STREAM_MAXLEN // REPLAY_PAGE + 1


class Replay(Enum):
    COMPLETE = "complete"
    RESYNC_REQUIRED = "resync_required"
    """The last id is older than what the stream retains: events may be missing."""
    CLIENT_TOO_SLOW = "client_too_slow"


@dataclass(frozen=True, slots=True)
class Batch:
    """The frames one read of the stream makes for one channel and role, in order, and their joined encoding."""

    ids: list[StreamId]
    frames: list[OutFrame]
    encoded: bytes

    @classmethod
    def of(cls, channel: str, role: Role, entries: list[StreamEntry]) -> "Batch":
        ids: list[StreamId] = []
        frames: list[OutFrame] = []
        for entry in entries:
            if entry.event is not None and event_visible(role, entry.event):
                frame = event_frame(channel, entry)
                if frame is not None:
                    ids.append(entry.stream_id)
                    frames.append(frame)
        encoded = frames[0].encoded if len(frames) == 1 else b"".join(frame.encoded for frame in frames)
        return cls(ids, frames, encoded)


@dataclass(eq=False, slots=True)
class Subscription:
    """One channel of one client. Live entries are held back until ``go_live``.

    Holding back lets the subscriber acknowledge and replay first, in order,
    without missing what arrives meanwhile.
    """

    organization_id: int
    channel: str
    role: Role
    outbound: Outbound
    view: ChannelView | None = None
    """How a narrower channel (shipment, job, track) filters or transforms its organization's entries."""
    last_id: StreamId | None = None
    live: bool = False
    held_back: list[tuple[StreamId, OutFrame]] = field(default_factory=list)

    def offer(self, stream_id: StreamId, frame: OutFrame) -> None:
        """A live entry."""
        if self.live:
            self.pass_on(stream_id, frame)
        else:
            self.held_back.append((stream_id, frame))

    def offer_batch(self, batch: Batch) -> None:
        """Live entries from one read: a single write when nothing of it was passed on yet (Centrifugo-style)."""
        last_id = self.last_id
        if self.live and (last_id is None or last_id < batch.ids[0]):  # the fan-out's common case, first
            self.last_id = batch.ids[-1]
            self.outbound.send_many(batch.frames, batch.encoded)
        elif not self.live:
            self.held_back.extend(zip(batch.ids, batch.frames, strict=True))
        else:
            for stream_id, frame in zip(batch.ids, batch.frames, strict=True):
                self.pass_on(stream_id, frame)

    def pass_on(self, stream_id: StreamId, frame: OutFrame) -> None:
        if self.last_id is not None and stream_id <= self.last_id:
            return
        self.last_id = stream_id
        self.outbound.send(frame)

    def go_live(self) -> None:
        self.live = True
        held_back, self.held_back = self.held_back, []
        for stream_id, frame in held_back:
            self.pass_on(stream_id, frame)


def event_frame(channel: str, entry: StreamEntry) -> OutFrame | None:
    if entry.event is None:
        return None
    return OutFrame.of(
        EventMessage(channel=channel, stream_id=str(entry.stream_id), event=entry.event).model_dump_json()
    )


def _visible(subscription: Subscription, entry: StreamEntry) -> bool:
    return entry.event is not None and event_visible(subscription.role, entry.event)


def subscription_frame(subscription: Subscription, entry: StreamEntry) -> OutFrame | None:
    if subscription.view is not None:
        if entry.event is None:
            return None
        text = subscription.view.frame(subscription.channel, str(entry.stream_id), entry.event)
        return None if text is None else OutFrame.of(text)
    return event_frame(subscription.channel, entry) if _visible(subscription, entry) else None


@dataclass(slots=True)
class Subscribers:
    """One organization's subscriptions here: by (channel, role) when they share frames, apart when they have a view.

    Grouped when they subscribe, so that a fan-out makes each group's batch once and then only writes.
    """

    shared: dict[tuple[str, Role], set[Subscription]] = field(default_factory=dict)
    viewed: set[Subscription] = field(default_factory=set)

    def add(self, subscription: Subscription) -> None:
        if subscription.view is not None:
            self.viewed.add(subscription)
        else:
            self.shared.setdefault((subscription.channel, subscription.role), set()).add(subscription)

    def remove(self, subscription: Subscription) -> bool:
        """False when it was not here."""
        if subscription.view is not None:
            if subscription not in self.viewed:
                return False
            self.viewed.remove(subscription)
            return True
        key = (subscription.channel, subscription.role)
        group = self.shared.get(key)
        if group is None or subscription not in group:
            return False
        group.remove(subscription)
        if not group:
            del self.shared[key]
        return True

    def __contains__(self, subscription: Subscription) -> bool:
        if subscription.view is not None:
            return subscription in self.viewed
        return subscription in self.shared.get((subscription.channel, subscription.role), ())

    def __bool__(self) -> bool:
        return bool(self.shared or self.viewed)


class Hub:
    def __init__(self, streams: OrgStreams, metrics: Metrics, *, block_ms: int, send_queue_size: int) -> None:
        self._streams = streams
        self._metrics = metrics
        self._block_ms = block_ms
        # One read is fanned out without a pause; at half a queue, a burst alone never overflows a client
        # that keeps reading.
        self._read_count = max(1, send_queue_size // 2)
        self._subscriptions: defaultdict[int, Subscribers] = defaultdict(Subscribers)
        self._cursors: dict[int, StreamId] = {}
        """Per organization read by this replica: the last entry fanned out."""
        self._has_work = asyncio.Event()

    async def subscribe(self, subscription: Subscription) -> None:
        """Start delivering live entries to ``subscription`` (the replay, if any, is ``replay``'s job)."""
        organization_id = subscription.organization_id
        self._subscriptions[organization_id].add(subscription)
        self._metrics.subscriptions.inc()
        if organization_id in self._cursors:
            return
        try:
            latest = await self._streams.latest_id(organization_id)
        except BaseException:
            self.unsubscribe(subscription)
            raise
        # Another subscriber may have started reading this organization while we awaited.
        subscribers = self._subscriptions.get(organization_id)
        if organization_id not in self._cursors and subscribers is not None and subscription in subscribers:
            self._cursors[organization_id] = latest
            self._metrics.streams_read.set(len(self._cursors))
            self._has_work.set()
            try:
                await self._streams.wake()
            except RedisError:
                logger.warning(
                    "could not wake the stream reader; it sees organization %s on its next read",
                    organization_id,
                )

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscriptions.get(subscription.organization_id)
        if subscribers is None or not subscribers.remove(subscription):
            return
        self._metrics.subscriptions.dec()
        if not subscribers:
            del self._subscriptions[subscription.organization_id]
            self._cursors.pop(subscription.organization_id, None)
            self._metrics.streams_read.set(len(self._cursors))

    async def replay(self, subscription: Subscription, after: StreamId) -> Replay:
        """Send ``subscription`` the retained entries after ``after``; call ``go_live`` next."""
        organization_id = subscription.organization_id
        oldest = await self._streams.oldest_id(organization_id)
        if after != ZERO and (oldest is None or after < oldest):
            return Replay.RESYNC_REQUIRED
        for _ in range(MAX_REPLAY_PAGES):
            if not await subscription.outbound.wait_for_room(REPLAY_ROOM_TIMEOUT_SECONDS):
                return Replay.CLIENT_TOO_SLOW
            entries = await self._streams.read_after(organization_id, after, count=REPLAY_PAGE)
            for entry in entries:
                frame = subscription_frame(subscription, entry)
                if frame is not None:
                    subscription.pass_on(entry.stream_id, frame)
            if len(entries) < REPLAY_PAGE:
                break
            after = entries[-1].stream_id
        return Replay.COMPLETE

    async def run(self) -> None:
        """Read the streams of the organizations with subscribers here, and fan their entries out."""
        while True:
            if not self._cursors:
                self._has_work.clear()
                await self._has_work.wait()
                continue
            try:
                batches = await self._streams.read_live(
                    dict(self._cursors), block_ms=self._block_ms, count=self._read_count
                )
            except RedisError:
                logger.exception("reading the organization streams failed; retrying")
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            for organization_id, entries in batches.items():
                self._fan_out(organization_id, entries)

    def _fan_out(self, organization_id: int, entries: list[StreamEntry]) -> None:
        cursor = self._cursors.get(organization_id)
        if cursor is None:
            return  # its last subscriber left while we were reading
        fresh = [entry for entry in entries if entry.stream_id > cursor]
        if not fresh:
            return
        self._metrics.stream_entries_read.inc(len(fresh))
        offered = 0
        subscribers = self._subscriptions.get(organization_id)
        if subscribers is not None:
            for subscription in list(subscribers.viewed):
                for entry in fresh:
                    own = subscription_frame(subscription, entry)
                    if own is not None:
                        subscription.offer(entry.stream_id, own)
                        offered += 1
            # Serialized and framed once per channel and role, then the same bytes written to every subscriber.
            for (channel, role), group in list(subscribers.shared.items()):
                batch = Batch.of(channel, role, fresh)
                if batch.frames:
                    for subscription in list(group):
                        subscription.offer_batch(batch)
                    offered += len(batch.frames) * len(group)
        self._metrics.messages_sent.inc(offered)
        cursor = fresh[-1].stream_id
        self._cursors[organization_id] = cursor
        self._metrics.stream_lag_seconds.set(max(0.0, time.time() - cursor.milliseconds / 1000))
