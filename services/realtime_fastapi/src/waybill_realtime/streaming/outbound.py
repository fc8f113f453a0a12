"""A client's bounded send queue: a slow consumer is dropped instead of slowing anyone else."""

import asyncio
from dataclasses import dataclass

from waybill_contracts.ws import CloseCode
from waybill_realtime.metrics import Metrics


@dataclass(frozen=True)
class CloseRequest:
    code: int
    reason: str


class Outbound:
    """Frames waiting to be written to one WebSocket.

    ``send`` never waits: fan-out to every client of a replica runs in one
    task, so a client whose queue is full is asked to close rather than waited for.
    """

    def __init__(self, max_frames: int, metrics: Metrics) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue(max_frames)
        self._low_water = max_frames // 2
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._metrics = metrics
        self.close_requested = asyncio.Event()
        self.close_request: CloseRequest | None = None

    def send(self, frame: str) -> None:
        if self.close_request is not None:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._metrics.slow_consumers_dropped.inc()
            self.request_close(
                CloseCode.SLOW_CONSUMER, "send queue full: reconnect and resume from your last id"
            )
            return
        self._metrics.messages_sent.inc()
        if self._queue.qsize() > self._low_water:
            self._has_room.clear()

    def request_close(self, code: int, reason: str) -> None:
        if self.close_request is None:
            self.close_request = CloseRequest(code, reason)
            self.close_requested.set()

    async def next_frame(self) -> str:
        frame = await self._queue.get()
        if self._queue.qsize() <= self._low_water:
            self._has_room.set()
        return frame

    async def wait_for_room(self, seconds: float) -> bool:
        """Wait until the queue is at most half full (for bulk replay); False on timeout."""
        try:
            async with asyncio.timeout(seconds):
                await self._has_room.wait()
        except TimeoutError:
            return False
        return True
