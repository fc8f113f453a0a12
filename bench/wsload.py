"""A cheap WebSocket load client, run in its own process: many connections, no task per connection.

Each connection is an asyncio ``Protocol`` driving websockets' sans-I/O
``ClientProtocol``; it never parses the JSON of an event, only finds the
sequence number and the publish time (``time.monotonic_ns``, one clock for
every process of the machine) that the publisher put in the event's
reference, ``B-<seq>-<ns>``. The same client drives the realtime service and
the bare broadcast server, so their figures compare.
"""

import asyncio
import contextlib
import resource
import time
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection as Pipe
from typing import Final, cast

import uvloop
from histogram import Histogram
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

MARKER: Final = b'"reference":"B-'
MARKER_LENGTH: Final = len(MARKER)
TEXT: Final = Opcode.TEXT.value
CONNECT_CONCURRENCY: Final = 200


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Tally:
    """What every connection of this process saw, measured only while ``recording``."""

    histogram: Histogram = field(default_factory=Histogram)
    received: int = 0
    out_of_order: int = 0
    gaps: int = 0
    closes: dict[int, int] = field(default_factory=dict)
    recording: bool = False
    first_seq: int = 0


class LoadConnection(asyncio.Protocol):
    def __init__(self, uri: str, headers: dict[str, str], subscribe: bytes | None, tally: Tally) -> None:
        self.conn = ClientProtocol(parse_uri(uri))
        self.request = self.conn.connect()
        for name, value in headers.items():
            self.request.headers[name] = value
        self.subscribe = subscribe
        self.tally = tally
        self.transport: asyncio.Transport | None = None
        self.ready = asyncio.get_running_loop().create_future()
        self.last_seq = -1
        self.paused = False
        self.open = False
        self.closed = False
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        self.conn.send_request(self.request)
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.conn.data_to_send():
            if chunk:
                self.transport.write(chunk)

    def data_received(self, data: bytes) -> None:
        if self.open:
            self._parse(data)
            return
        self.conn.receive_data(data)
        now = time.monotonic_ns()
        for event in self.conn.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._fail(f"handshake answered {event.status_code}")
                    continue
                self.open = True
                if self.subscribe is None:
                    self._set_ready()
            elif isinstance(event, Frame):
                self._frame(event.opcode, bytes(event.data), now)
        self._flush()

    def _parse(self, data: bytes) -> None:
        """Server frames, unmasked; parsed here because websockets' parser costs more than the server we load.

        One clock reading per read (the time the bytes reached this process), however many frames it holds.
        An event's text frame is never copied: its sequence number and publish time are read in place; only
        the other frames (control, ``ready``, ``subscribed``) and an incomplete tail are copied.
        """
        now = time.monotonic_ns()
        buffer = self.buffer
        if buffer:
            buffer += data
            data = bytes(buffer)
            buffer.clear()
        offset = 0
        end = len(data)
        answered = False
        while end - offset >= 2:
            length = data[offset + 1] & 0x7F
            header = 2
            if length == 126:
                if end - offset < 4:
                    break
                length = int.from_bytes(data[offset + 2 : offset + 4], "big")
                header = 4
            elif length == 127:
                if end - offset < 10:
                    break
                length = int.from_bytes(data[offset + 2 : offset + 10], "big")
                header = 10
            start = offset + header
            stop = start + length
            if stop > end:
                break
            opcode = data[offset] & 0x0F
            offset = stop
            if opcode == TEXT:
                at = data.find(MARKER, start, stop)
                if at >= 0:
                    self._event(data, at + MARKER_LENGTH, stop, now)
                    continue
            self._frame(Opcode(opcode), data[start:stop], now)
            answered = True
        if offset < end:
            buffer += data[offset:]
        if answered:
            self._flush()

    def _event(self, data: bytes, start: int, stop: int, now: int) -> None:
        """An event frame whose reference (``B-<seq>-<ns>``) starts its sequence number at ``start``."""
        dash = data.index(b"-", start, stop)
        seq = int(data[start:dash])
        published = int(data[dash + 1 : data.index(b'"', dash, stop)])
        if seq <= self.last_seq:
            self.tally.out_of_order += 1
            return
        tally = self.tally
        recording = tally.recording and seq >= tally.first_seq
        if recording and self.last_seq >= 0 and seq > self.last_seq + 1:
            tally.gaps += seq - self.last_seq - 1
        self.last_seq = seq
        if recording:
            tally.received += 1
            tally.histogram.record((now - published) / 1e6)

    def _frame(self, opcode: Opcode, data: bytes, now: int) -> None:
        if opcode is Opcode.CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
            self.tally.closes[code] = self.tally.closes.get(code, 0) + 1
            self.closed = True
            return
        if opcode is Opcode.PING:
            self.conn.send_pong(data)
            return
        if opcode is not Opcode.TEXT:
            return
        at = data.find(MARKER)
        if at >= 0:
            self._event(data, at + MARKER_LENGTH, len(data), now)
            return
        if self.subscribe is not None and not self.ready.done():
            if data.startswith(b'{"type":"ready"'):
                self.conn.send_text(self.subscribe)
            elif b'"subscribed"' in data:
                self._set_ready()
            elif b'"error"' in data:
                self._fail(data.decode())

    def _set_ready(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)

    def _fail(self, why: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(f"connection lost: {exc}")
        if not self.closed:
            self.tally.closes[1006] = self.tally.closes.get(1006, 0) + 1

    def stop_reading(self) -> None:
        if self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()


def _itself(connection: LoadConnection) -> LoadConnection:
    return connection


async def open_connections(
    uri: str, count: int, headers: dict[str, str], subscribe: bytes | None, tally: Tally
) -> tuple[list[LoadConnection], int]:
    """Open ``count`` connections, ``CONNECT_CONCURRENCY`` in progress at a time; returns them and how many failed.

    A sliding window, not batches: with batches, each waited for its slowest connection (a SYN or a
    handshake retransmitted after a second), and the server sat idle meanwhile.
    """
    loop = asyncio.get_running_loop()
    parsed = parse_uri(uri)
    opened: list[LoadConnection] = []
    failed = 0
    window = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> None:
        nonlocal failed
        async with window:
            connection = LoadConnection(uri, headers, subscribe, tally)
            try:
                async with asyncio.timeout(30):
                    await loop.create_connection(partial(_itself, connection), parsed.host, parsed.port)
                    await connection.ready
            except (OSError, ConnectionError, TimeoutError):
                failed += 1
                if connection.transport is not None:
                    connection.transport.abort()
                return
            opened.append(connection)

    await asyncio.gather(*(one() for _ in range(count)))
    return opened, failed


async def _wait_for(connections: list[LoadConnection], seq: int, seconds: float) -> bool:
    """True once every open connection has event ``seq`` (closed-loop runs), False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(c.last_seq >= seq for c in connections if c.transport and not c.transport.is_closing()):
            return True
        await asyncio.sleep(0.001)
    return False


def serve(pipe: Pipe, uri: str, count: int, headers: dict[str, str], subscribe: str | None) -> None:
    """A load-generator process: open connections, then obey the parent's commands over ``pipe``.

    Commands: ``record`` (start counting), ``report`` (send the tally and reset it), ``pause`` (stop
    reading on every connection), ``stop``.
    """
    raise_open_files_limit()
    # uvloop, as the realtime service runs on: with asyncio's own loop each read costs this client more than
    # the server spends writing it, and the figures would measure the client.
    uvloop.run(_serve(pipe, uri, count, headers, subscribe.encode() if subscribe else None))


async def _serve(pipe: Pipe, uri: str, count: int, headers: dict[str, str], subscribe: bytes | None) -> None:
    tally = Tally()
    connections, failed = await open_connections(uri, count, headers, subscribe, tally)
    pipe.send(("opened", len(connections), failed))
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if isinstance(command, tuple) and command[0] == "record":
            tally.recording = True
            tally.first_seq = command[1]
            pipe.send("recording")
        elif isinstance(command, tuple) and command[0] == "wait":
            pipe.send(await _wait_for(connections, command[1], command[2]))
        elif command == "report":
            pipe.send(
                {
                    "histogram": tally.histogram.counts,
                    "received": tally.received,
                    "out_of_order": tally.out_of_order,
                    "gaps": tally.gaps,
                    "closes": dict(tally.closes),
                    "open": sum(1 for c in connections if c.transport and not c.transport.is_closing()),
                }
            )
            tally.histogram = Histogram()
            tally.received = tally.out_of_order = tally.gaps = 0
            tally.closes.clear()
            tally.recording = False
        elif command == "pause":
            for connection in connections:
                connection.stop_reading()
            pipe.send("paused")
        elif command == "stop":
            break
    for connection in connections:
        if connection.transport is not None:
            with contextlib.suppress(Exception):
                connection.transport.abort()
    pipe.send("stopped")
