"""The load generator's own HTTP/1.1 client: what it counts as an answer, an error or cut off at the deadline.

Against real sockets: small asyncio servers on 127.0.0.1 that answer well, badly, or never.
"""

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))  # httpload's own imports are the bench directory's modules

import httpload  # noqa: E402 - after the bench directory is on the path

BODY = b'{"status":"in_transit"}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 23\r\n\r\n" + BODY
REQUESTS = [httpload.Request("GET", f"/v1/track/code{i}") for i in range(3)]

Answer = Callable[[bytes], bytes | None]
"""The bytes a test server sends for one request's head (None: it never answers)."""


class Server:
    """Counts connections and requests; answers each request with ``answer(head)``."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        handler = asyncio.current_task()
        assert handler is not None
        self.handlers.add(handler)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.requests.append(head)
                reply = self.answer(head)
                if reply is None:
                    await reader.read()  # never answers; until the client closes the connection
                    return
                writer.write(reply)
                if b"Connection: close" in reply:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.handlers.discard(handler)

    async def stop(self) -> None:
        """Every connection closed, so that none outlives its test's event loop."""
        for handler in self.handlers:
            handler.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)


@asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[tuple[Server, str]]:
    server = Server(answer)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        listener.close()
        await server.stop()
        await listener.wait_closed()


def test_a_response_is_read_from_its_content_length_even_when_it_arrives_in_pieces() -> None:
    for cut in range(len(OK)):
        assert httpload.parse_response(OK[:cut]) is None, cut
    assert httpload.parse_response(OK + b"HTTP/1.1 204") == httpload.Response(200, len(OK), keep_alive=True)


def test_a_chunked_response_is_read_to_its_last_chunk() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )
    for cut in range(len(chunked)):
        assert httpload.parse_response(chunked[:cut]) is None, cut
    assert httpload.parse_response(chunked) == httpload.Response(200, len(chunked), keep_alive=True)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the connection closes",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\n",
    ],
)
def test_what_is_not_an_http_1_answer_with_a_known_end_is_malformed(answer: bytes) -> None:
    with pytest.raises(httpload.MalformedResponse):
        httpload.parse_response(answer)


def test_connection_close_and_http_1_0_end_the_keep_alive() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    assert httpload.parse_response(closing) == httpload.Response(200, len(closing), keep_alive=False)
    old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert httpload.parse_response(old) == httpload.Response(200, len(old), keep_alive=False)


async def test_each_request_in_flight_keeps_one_connection_and_requests_go_out_as_encoded() -> None:
    async with serving(lambda head: OK) as (server, url):
        result = await httpload.run_slots(url, REQUESTS, {"X-Forwarded-Proto": "https"}, 4, 0.3)

    answered = result["statuses"]
    assert isinstance(answered, dict)
    assert answered[200] > 4, answered  # several requests per connection
    assert result["errors"] == 0
    assert server.connections == 4
    host = url.removeprefix("http://")
    assert server.requests[0] in {
        f"GET {r.path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-Proto: https\r\n\r\n".encode()
        for r in REQUESTS
    }


async def test_a_server_that_closes_after_each_answer_gets_a_new_connection_without_errors() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    async with serving(lambda head: closing) as (server, url):
        result = await httpload.run_slots(url, REQUESTS, {}, 2, 0.3)

    assert result["errors"] == 0
    statuses = result["statuses"]
    assert isinstance(statuses, dict)
    cut_off = result["cut_off"]
    assert isinstance(cut_off, int)
    # One connection per answer, and one for each request cut off (unless cut off while connecting).
    assert statuses[200] <= server.connections <= statuses[200] + cut_off


async def test_malformed_answers_count_as_errors_not_answers() -> None:
    async with serving(lambda head: b"HTTP/1.1 200 OK\r\n\r\nno length") as (server, url):
        result = await httpload.run_slots(url, REQUESTS, {}, 2, 0.3)

    assert result["statuses"] == {}
    errors = result["errors"]
    assert isinstance(errors, int)
    assert errors > 0
    assert server.connections >= errors  # each malformed answer closed its connection


async def test_a_refused_connection_counts_as_an_error() -> None:
    async with serving(lambda head: OK) as (_, url):
        pass  # closed: nothing listens on its port any more
    result = await httpload.run_slots(url, REQUESTS, {}, 2, 0.2)

    assert result["statuses"] == {}
    errors = result["errors"]
    assert isinstance(errors, int)
    assert errors >= 2


async def test_the_run_ends_at_its_deadline_and_counts_what_is_still_in_flight_as_cut_off() -> None:
    async with serving(lambda head: None) as (server, url):  # a server that never answers
        result = await httpload.run_slots(url, REQUESTS, {}, 5, 0.5)

    assert result["cut_off"] == 5
    assert result["statuses"] == {}
    assert result["errors"] == 0
    assert result["histogram"] == {}
    assert len(server.requests) == 5


@contextmanager
def serving_in_a_thread(answer: Answer) -> Iterator[str]:
    """A test server on its own event loop, for ``closed_loop``, which blocks on its processes."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()
    address: list[str] = []

    async def main() -> None:
        async with serving(answer) as (_, url):
            address.append(url)
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10), "the test server did not start"
    try:
        yield address[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_closed_loop_adds_up_every_load_generator_process() -> None:
    with serving_in_a_thread(
        lambda head: OK if b"code1" not in head else OK.replace(b"200 OK", b"404 No")
    ) as url:
        tally = httpload.closed_loop(url, REQUESTS, 6, 0.5, {})

    assert tally.per_second > 0
    assert tally.failed > 0  # the 404s: answers, but not the expected status
    assert tally.histogram.total > tally.failed
    assert tally.cut_off <= 6
