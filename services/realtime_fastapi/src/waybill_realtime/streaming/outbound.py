"""What leaves for one client: frames written at once while its socket keeps up, a bounded backlog when not.

Invariants: frames reach the socket in the order ``send`` was called (nothing
is written directly while a backlog waits); ``send`` never waits, because the
hub fans each entry out to every client in one pass; a client whose backlog
has not emptied within ``send_timeout`` seconds (it stopped reading, or reads
slower than it is sent to), or whose backlog fills, is a slow consumer and is
closed with 4002, the close frame sent ahead of the dropped backlog. That
bounds how late a client can be, and nobody else waits for it (decision 0202).
"""

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass
from typing import Final

from starlette.websockets import WebSocket

from waybill_contracts.ws import CloseCode
from waybill_realtime.metrics import Metrics
from waybill_realtime.websocket.direct import DirectWebSocketProtocol, encode_text

CLOSE_GRACE_SECONDS: Final = 10.0
"""How long a closed client has to answer the close frame before its connection is aborted (as uvicorn waits)."""


@dataclass(frozen=True, slots=True)
class OutFrame:
    """One message, as text (for ASGI) and as the encoded WebSocket frame (for the direct path)."""

    text: str
    encoded: bytes

    @classmethod
    def of(cls, text: str) -> "OutFrame":
        return cls(text, encode_text(text))


@dataclass(frozen=True)
class CloseRequest:
    code: int
    reason: str


class Outbound:
    """Allocates its backlog and events only when needed: most connections never have a backlog."""

    __slots__ = (
        "_backlog",
        "_behind_since",
        "_close_requested",
        "_direct",
        "_drainer",
        "_has_room",
        "_low_water",
        "_max_frames",
        "_metrics",
        "_send_timeout",
        "_websocket",
        "close_request",
    )

    def __init__(
        self,
        websocket: WebSocket,
        direct: DirectWebSocketProtocol | None,
        *,
        max_frames: int,
        send_timeout: float,
        metrics: Metrics,
    ) -> None:
        self._websocket = websocket if direct is None else None
        """Only for the ASGI fallback: on the direct path, frames go to the protocol's transport."""
        self._direct = direct
        self._max_frames = max_frames
        self._low_water = max_frames // 2
        self._send_timeout = send_timeout
        self._metrics = metrics
        self._backlog: deque[OutFrame] | None = None
        self._behind_since = 0.0
        """Loop time when the backlog last went from empty to not empty."""
        self._drainer: asyncio.Task[None] | None = None
        self._has_room: asyncio.Event | None = None
        """Waited on by a replay only; set while the backlog is at most half full."""
        self._close_requested: asyncio.Event | None = None
        self.close_request: CloseRequest | None = None

    @property
    def close_requested(self) -> asyncio.Event:
        if self._close_requested is None:
            self._close_requested = asyncio.Event()
            if self.close_request is not None:
                self._close_requested.set()
        return self._close_requested

    @property
    def direct(self) -> bool:
        """True when frames are written straight to the connection's transport."""
        return self._direct is not None

    def send(self, frame: OutFrame) -> None:
        if self.close_request is not None:
            return
        protocol = self._direct
        if protocol is not None:
            if not self._backlog and protocol.try_write(frame.encoded):
                return
            if not protocol.open:
                return  # the client has gone; the session is ending
        self._queue(frame)

    def send_many(self, frames: list[OutFrame], encoded: bytes) -> None:
        """``frames`` in order; ``encoded`` is their encodings joined: one write when the socket keeps up."""
        protocol = self._direct
        if (
            protocol is not None
            and self.close_request is None
            and not self._backlog
            and protocol.try_write(encoded)
        ):
            return
        for frame in frames:
            self.send(frame)

    def _queue(self, frame: OutFrame) -> None:
        backlog = self._backlog
        if backlog is None:
            backlog = self._backlog = deque()
        now = asyncio.get_running_loop().time()
        if not backlog:
            self._behind_since = now
        elif now - self._behind_since > self._send_timeout:
            self._slow("not caught up in time: reconnect and resume from your last id")
            return
        if len(backlog) >= self._max_frames:
            self._slow("send queue full: reconnect and resume from your last id")
            return
        backlog.append(frame)
        if len(backlog) > self._low_water and self._has_room is not None:
            self._has_room.clear()
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain(), name="ws-drain")

    async def _drain(self) -> None:
        try:
            while self._backlog and self.close_request is None:
                try:
                    # Not per write: a client that reads, but slower than it is sent to, never catches up either.
                    async with asyncio.timeout_at(self._behind_since + self._send_timeout):
                        await self._write_some()
                except TimeoutError:
                    self._slow("not reading: reconnect and resume from your last id")
                    return
                except (RuntimeError, OSError):
                    return  # the client has gone
                backlog = self._backlog
                if self._has_room is not None and (backlog is None or len(backlog) <= self._low_water):
                    self._has_room.set()
        finally:
            self._drainer = None
            if not self._backlog:
                self._backlog = None  # most of the time there is none: hold no empty deque

    async def _write_some(self) -> None:
        assert self._backlog is not None
        protocol = self._direct
        if protocol is None:
            assert self._websocket is not None
            await self._websocket.send_text(self._backlog[0].text)
            if self._backlog:  # unless a close request dropped it meanwhile
                self._backlog.popleft()
            return
        await protocol.wait_writable()
        if not protocol.open:
            raise RuntimeError("closed")
        while self._backlog and protocol.try_write(self._backlog[0].encoded):
            self._backlog.popleft()

    def _slow(self, reason: str) -> None:
        self._metrics.slow_consumers_dropped.inc()
        self.request_close(CloseCode.SLOW_CONSUMER, reason)

    def request_close(self, code: int, reason: str) -> None:
        """Close the connection; on the direct path at once, with nothing queued ahead of the close frame."""
        if self.close_request is not None:
            return
        self.close_request = CloseRequest(code, reason)
        self._backlog = None
        if self._has_room is not None:
            self._has_room.set()
        if self._drainer is not None and self._drainer is not asyncio.current_task():
            self._drainer.cancel()
        if self._direct is not None:
            # The session's read gets a disconnect from the protocol and ends.
            self._direct.close_now(code, reason, grace_seconds=CLOSE_GRACE_SECONDS)
        if self._close_requested is not None:
            self._close_requested.set()

    def stop(self) -> None:
        """When the session ends: drop the backlog and stop draining it."""
        self._backlog = None
        if self._drainer is not None and self._drainer is not asyncio.current_task():
            self._drainer.cancel()

    async def finish(self) -> None:
        """When an ASGI session ends: stop draining, then send the requested close (bounded)."""
        if self._drainer is not None:
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drainer
        request = self.close_request
        if request is None or self._websocket is None:
            return
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            async with asyncio.timeout(CLOSE_GRACE_SECONDS):
                await self._websocket.close(request.code, request.reason)

    async def wait_for_room(self, seconds: float) -> bool:
        """Wait until the backlog is at most half full (for bulk replay); False on timeout."""
        if self._has_room is None:
            self._has_room = asyncio.Event()
        if not self._backlog or len(self._backlog) <= self._low_water:
            self._has_room.set()
        try:
            async with asyncio.timeout(seconds):
                await self._has_room.wait()
        except TimeoutError:
            return False
        return self.close_request is None
