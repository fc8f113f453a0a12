"""The fan-out fast path: uvicorn's sans-I/O WebSocket protocol, writable without ASGI.

Through ASGI every frame costs an ``await send()`` through each middleware,
a task switch per client and a frame encoding per client. Here the hub encodes
each event once (:func:`encode_text`) and writes the same bytes to every
subscriber's transport in one pass (what ``websockets.broadcast`` does).

``waybill-realtime`` serves with :class:`DirectWebSocketProtocol`; it puts
itself in the connection's ASGI scope, where :func:`direct_protocol` finds it.
Under another server or WebSocket implementation the app falls back to ASGI
sends. This module is the only one that knows uvicorn's protocol internals
(pinned in requirements; ``tests/test_ws_direct.py`` breaks if they change).
"""

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any, Final, cast

from starlette.types import Message, Scope
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request

from waybill_realtime.config import get_settings

SCOPE_KEY: Final = "waybill.direct_protocol"
PROTOCOL_ERROR_LINGER_SECONDS: Final = 2.0


def encode_text(text: str) -> bytes:
    """A whole unmasked server text frame (no extension is negotiated: see the launcher)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


Receiver = Callable[[Message], None]
"""Takes each ASGI receive event (``websocket.receive``, ``websocket.disconnect``) of a detached connection."""


class _Forward:
    """Stands in for uvicorn's receive queue once detached: whatever uvicorn queues goes to the receiver at once."""

    __slots__ = ("_receiver",)

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver

    def put_nowait(self, message: Message) -> None:
        self._receiver(message)


class DirectWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol, plus synchronous writes of pre-encoded frames, a close that never waits,
    and ``detach``: an idle connection needs no task, no queue and no ASGI scope.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.write_paused = False
        """Mirrors ``writable`` as a plain attribute: the fan-out reads it once per client per event."""
        self.receiver: Receiver | None = None
        self._held = False

    def detach(self, receiver: Receiver) -> None:
        """From now on hand each received message to ``receiver``, synchronously, instead of the ASGI ``receive``.

        Messages already queued go to it first, in order. The ASGI app may then return: the connection stays
        open, and its task, its frames through the middleware and the scope are freed (decision 0204).
        """
        queued = self.queue
        self.receiver = receiver
        self.queue = _Forward(receiver)  # type: ignore[assignment]  # uvicorn only ever calls put_nowait on it
        while not queued.empty():
            receiver(cast(Message, queued.get_nowait()))
        self._apply_reading()

    def hold_reading(self) -> None:
        """Stop reading from the socket while the receiver is busy with a message (it keeps the order)."""
        self._held = True
        self._apply_reading()

    def release_reading(self) -> None:
        self._held = False
        self._apply_reading()

    def _apply_reading(self) -> None:
        paused = self._held and not self.close_sent  # after a close, reads carry on until the peer answers
        if paused != self.read_paused and not self.transport.is_closing():
            self.read_paused = paused
            if paused:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()

    def send_receive_event_to_app(self) -> None:
        if self.receiver is None:
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        if self.close_sent:
            return  # as uvicorn does: past our close, only the peer's close matters
        if self.curr_msg_data_type == "text":
            try:
                text = data.decode()
            except UnicodeDecodeError:
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
            self.receiver({"type": "websocket.receive", "text": text})
        else:
            self.receiver({"type": "websocket.receive", "bytes": data})

    async def run_asgi(self) -> None:
        """uvicorn's, except that a detached connection stays open when the app returns, without its scope."""
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            result = None
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
            self.receiver = None  # a failed app never keeps its connection
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.receiver is not None and not self.transport.is_closing():
            # What only the handshake and the app needed (headers, twice, and the scope): a few KiB a connection.
            # websockets' parser keeps a reference to the request for good: its headers are emptied instead.
            self.request.headers.clear()
            del self.request, self.response
            self.scope = {}  # type: ignore[typeddict-item]
            return
        if self.close_timer is None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        size = get_settings().ws_socket_send_buffer_bytes
        sock = transport.get_extra_info("socket")
        if size and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # a refused handshake has no scope
            scope[SCOPE_KEY] = self  # read by direct_protocol()

    @property
    def open(self) -> bool:
        return self.handshake_complete and not self.close_sent and not self.disconnected

    def pause_writing(self) -> None:
        self.write_paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self.write_paused = False
        super().resume_writing()

    @property
    def can_write(self) -> bool:
        """Open, and the transport's buffer is under its high-water mark."""
        return not self.write_paused and self.open

    def try_write(self, encoded: bytes) -> bool:
        """Write a frame from :func:`encode_text` if ``can_write``; the fan-out's one call per client per read."""
        if self.write_paused or self.close_sent or self.disconnected or not self.handshake_complete:
            return False
        self.transport.write(encoded)
        return True

    async def wait_writable(self) -> None:
        await self.writable.wait()

    def handle_parser_exception(self) -> None:
        """Close a connection that broke the protocol (1009 for an oversized frame) without losing the close frame.

        uvicorn closes the socket at once, with the rest of the peer's frame still
        unread: the kernel answers with a reset, and a proxy in between drops the
        close frame it had not forwarded yet. Instead, send the close, half-close,
        and discard what still arrives until the peer closes or the grace ends.
        """
        if self.close_sent:
            return
        assert self.conn.close_sent is not None
        close = self.conn.close_sent
        self.queue.put_nowait({"type": "websocket.disconnect", "code": close.code, "reason": close.reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.close_timer = self.loop.call_later(PROTOCOL_ERROR_LINGER_SECONDS, self.transport.close)

    def close_now(self, code: int, reason: str, *, grace_seconds: float) -> None:
        """Send the close frame without waiting for room, then abort if the peer has not answered in time.

        A client that stopped reading would otherwise hold the close frame behind
        everything it has not read (uvicorn's own close waits for a writable transport).
        """
        if not self.open or self.transport.is_closing():
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        # The peer's close echo cancels this and closes cleanly (WebSocketsSansIOProtocol.handle_close).
        self.close_timer = self.loop.call_later(grace_seconds, self.transport.abort)


def direct_protocol(scope: Scope) -> DirectWebSocketProtocol | None:
    protocol = scope.get(SCOPE_KEY)
    if isinstance(protocol, DirectWebSocketProtocol) and not protocol.conn.extensions:
        return protocol
    return None
