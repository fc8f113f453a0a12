"""An HTTP load generator process: closed loop (``concurrency`` requests in flight) until a deadline.

Requests cycle through a list prepared by the parent (method, path, body); the
answer's status is counted and its latency recorded in a histogram, which the
parent merges across processes (``closed_loop`` does both). The processes are
started once and kept, idle between runs, for every later run of the scenario
(each run opens its own connections): starting and importing a Python process
per run cost more than a second of a busy 2-core machine each time.

The client is this module's own, not a general HTTP library: one keep-alive
HTTP/1.1 connection per request in flight, each request encoded to bytes once
per run, and a parser that reads only the status line, ``Content-Length``,
``Transfer-Encoding: chunked`` and ``Connection: close``
(``docs/decisions/0007-a-load-generator-of-our-own.md``). A run ends at its
deadline: the requests still in flight then are cancelled and counted apart
(``Tally.cut_off``), so a server that answers in 20 s cannot stretch a 3 s run.
"""

import asyncio
import atexit
import contextlib
import multiprocessing
import multiprocessing.process
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from typing import NamedTuple, cast
from urllib.parse import urlsplit

import uvloop
from histogram import Histogram

CONNECTIONS_PER_LOADGEN = 500
RECONNECT_PAUSE_SECONDS = 0.05
"""After a failed connection, so a server that refuses them is not hammered by a busy loop of errors."""
CLOSE_WAIT_SECONDS = 5.0
"""At most this long for the run's connections to be closed once it ends."""
MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


class Tally(NamedTuple):
    """A closed-loop run over every load-generator process."""

    per_second: float
    """Answers with the expected status per second of the run."""
    histogram: Histogram
    """Latency of every answer (expected or not), in milliseconds."""
    failed: int
    """Connection errors, malformed answers and answers with another status."""
    cut_off: int
    """Requests still in flight at the deadline, cancelled: neither answered nor failed."""
    statuses: dict[int, int]
    """Answers per status, the expected one included."""


class MalformedResponse(Exception):
    """An answer this client cannot read as HTTP/1.1 (counted as an error; its connection is closed)."""


class Response(NamedTuple):
    status: int
    length: int
    """Bytes of the buffer the response took, head and body."""
    keep_alive: bool


def encode(request: Request, host: str, headers: dict[str, str]) -> bytes:
    """``request`` as the bytes sent on the wire, once per run."""
    lines = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if request.body is not None:
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (request.body or b"")


def parse_response(buffer: bytes | bytearray, *, head_request: bool = False) -> Response | None:
    """The first complete response in ``buffer``; None while more bytes are needed.

    Raises ``MalformedResponse`` for what is not an HTTP/1.x answer with a known length: a bad status
    line or header, an answer whose end only the connection's close would tell, a bad chunk.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD_BYTES:
            raise MalformedResponse("no end of headers")
        return None
    head = bytes(buffer[:end]).split(b"\r\n")
    version, _, rest = head[0].partition(b" ")
    code = rest[:3]
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or not code.isdigit() or rest[3:4] not in (b"", b" "):
        raise MalformedResponse(f"bad status line {head[0][:80]!r}")
    status = int(code)
    keep_alive = version == b"HTTP/1.1"
    length: int | None = None
    chunked = False
    for line in head[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise MalformedResponse(f"bad header line {line[:80]!r}")
        name, value = name.lower(), value.strip().lower()
        if name == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise MalformedResponse(f"bad Content-Length {value[:40]!r}")
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = value.rsplit(b",", 1)[-1].strip() == b"chunked"
            if not chunked:
                raise MalformedResponse(f"unsupported Transfer-Encoding {value[:40]!r}")
        elif name == b"connection":
            keep_alive = b"close" not in value if keep_alive else b"keep-alive" in value
    start = end + 4
    if 100 <= status < 200:
        raise MalformedResponse(f"interim answer {status} to a request that asked for none")
    if head_request or status in (204, 304):
        return Response(status, start, keep_alive)
    if chunked:
        body_end = _chunked_end(buffer, start)
        return None if body_end is None else Response(status, body_end, keep_alive)
    if length is None:
        raise MalformedResponse("no Content-Length and not chunked: only the connection's close would end it")
    return Response(status, start + length, keep_alive) if len(buffer) >= start + length else None


def _chunked_end(buffer: bytes | bytearray, position: int) -> int | None:
    """Where the chunked body starting at ``position`` ends (after its trailers); None while incomplete."""
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size_text = bytes(buffer[position:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise MalformedResponse(f"bad chunk size {size_text[:20]!r}") from None
        position = line_end + 2
        if size == 0:
            trailers_end = buffer.find(b"\r\n\r\n", position - 2)
            return None if trailers_end < 0 else trailers_end + 4
        if len(buffer) < position + size + 2:
            return None
        if buffer[position + size : position + size + 2] != b"\r\n":
            raise MalformedResponse("chunk not followed by CRLF")
        position += size + 2


class Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer handed to the waiting slot.

    With ``keep_body``, ``body`` holds the last answer's body (a copy: only the senders that read
    answers pay for it).
    """

    def __init__(self, *, keep_body: bool = False) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._head_request = False
        self._keep_body = keep_body
        self.body = b""
        self.closed = False
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def send(self, data: bytes, *, head_request: bool) -> "asyncio.Future[Response]":
        if self.transport is None or self._waiter is not None:
            raise RuntimeError("one request at a time, on a connection that is made")
        self._head_request = head_request
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # bytes nobody asked for: the next request's parse rejects them
        try:
            response = parse_response(self._buffer, head_request=self._head_request)
        except MalformedResponse as error:
            waiter.set_exception(error)
            return
        if response is not None:
            if self._keep_body:
                self.body = bytes(self._buffer[self._buffer.find(b"\r\n\r\n") + 4 : response.length])
            del self._buffer[: response.length]
            self._waiter = None
            waiter.set_result(response)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc or ConnectionResetError("the server closed the connection"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Closed at once, whatever is still unsent or unanswered."""
        if self.transport is not None:
            self.transport.abort()


def serve(pipe: Pipe) -> None:
    """A load-generator process: one closed-loop run per ``(base_url, requests, headers, concurrency, seconds)``
    received, its tally sent back; ``None`` ends it."""
    while (job := pipe.recv()) is not None:
        pipe.send(uvloop.run(run_slots(*job)))


async def run_slots(
    base_url: str, requests: list[Request], headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, object]:
    """``concurrency`` slots, each with its own connection, sending requests one after another until
    ``seconds`` have passed; then whatever is still in flight is cancelled and counted as cut off."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    wire = [(encode(request, url.netloc, headers), request.method == "HEAD") for request in requests]
    histogram = Histogram()
    statuses: dict[int, int] = {}
    errors = 0
    in_flight = 0
    loop = asyncio.get_running_loop()
    connections: list[Connection] = []

    async def slot(first: int) -> None:
        nonlocal errors, in_flight
        index = first
        connection: Connection | None = None
        while True:
            data, head_request = wire[index]
            index = (index + 1) % len(wire)
            started = time.monotonic()
            in_flight += 1
            try:
                if connection is None or connection.closed:
                    _, connection = await loop.create_connection(Connection, host, port)
                    connections.append(connection)
                response = await connection.send(data, head_request=head_request)
            except (OSError, MalformedResponse):
                in_flight -= 1
                errors += 1
                if connection is not None:
                    connection.close()
                    connection = None
                else:
                    await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                continue
            in_flight -= 1
            histogram.record((time.monotonic() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if not response.keep_alive:
                connection.close()
                connection = None

    began = time.monotonic()
    # Slots start at different requests, so the servers' work is spread over the list from the start.
    tasks = [asyncio.create_task(slot(i * len(wire) // max(concurrency, 1))) for i in range(concurrency)]
    await asyncio.wait(tasks, timeout=seconds)  # the slots loop until cancelled
    cut_off = in_flight
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome  # a slot ends only when cancelled: anything else is this client's bug
    elapsed = time.monotonic() - began
    for connection in connections:
        connection.abort()
    # The run ends with its connections: none is left for the loop's end (or the next run) to find.
    if connections:
        await asyncio.wait([connection.lost for connection in connections], timeout=CLOSE_WAIT_SECONDS)
    return {
        "histogram": histogram.counts,
        "statuses": statuses,
        "errors": errors,
        "cut_off": cut_off,
        "seconds": elapsed,
    }


def closed_loop(
    url: str,
    requests: list[Request],
    concurrency: int,
    seconds: float,
    headers: dict[str, str],
    *,
    ok_status: int = 200,
) -> Tally:
    """``concurrency`` requests in flight for ``seconds`` from load-generator processes.

    Two processes from a concurrency of 2 (so the load generator is not the first bottleneck), one more per
    ``CONNECTIONS_PER_LOADGEN`` connections, at most four.
    """
    count = 1 if concurrency < 2 else max(2, min(4, -(-concurrency // CONNECTIONS_PER_LOADGEN)))
    pipes = _load_generators(count)
    for index, pipe in enumerate(pipes):
        share = concurrency // count + (1 if index < concurrency % count else 0)
        pipe.send((url, requests, headers, share, seconds))
    histogram, statuses, errors, cut_off, elapsed = Histogram(), Counter[int](), 0, 0, 0.0
    for pipe in pipes:
        result = pipe.recv()
        histogram.merge(result["histogram"])
        statuses.update(result["statuses"])
        errors += result["errors"]
        cut_off += result["cut_off"]
        elapsed = max(elapsed, result["seconds"])
    ok = statuses[ok_status]
    failed = errors + sum(statuses.values()) - ok
    return Tally(ok / elapsed, histogram, failed, cut_off, dict(statuses))


_started: list[tuple[Pipe, multiprocessing.process.BaseProcess]] = []


def _load_generators(count: int) -> list[Pipe]:
    """The pipes of ``count`` load-generator processes, started on first use and kept for later runs."""
    context = multiprocessing.get_context("spawn")
    while len(_started) < count:
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(child,), daemon=True)
        process.start()
        _started.append((parent, process))
    return [pipe for pipe, _ in _started[:count]]


@atexit.register
def stop_load_generators() -> None:
    """End every kept load-generator process (also at exit; a scenario may call it when done)."""
    while _started:
        pipe, process = _started.pop()
        with contextlib.suppress(OSError):  # it ended already
            pipe.send(None)
        process.join(10)
