"""What keeps one client from hurting the others: frame size, malformed frames, idling, slow reading."""

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import websockets.asyncio.client
from websockets.exceptions import ConnectionClosed

from waybill_contracts.ws import CloseCode, ErrorMessage, EventMessage, Pong, Ready, Subscribed
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime


async def closed_with(connection: Connection, within: float = 3.0) -> int | None:
    """The close code, once whatever was sent before the close has been read."""
    for _ in range(100_000):
        try:
            await connection.receive(within)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    raise AssertionError("the connection was not closed")


async def test_a_frame_over_the_size_limit_closes_the_connection_with_1009(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, ws_max_message_bytes="4096")
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.websocket.send(json.dumps({"type": "ping", "padding": "x" * 10_000}))

        assert await closed_with(connection) == CloseCode.MESSAGE_TOO_BIG


@pytest.mark.parametrize(
    "frame",
    ["not json", '{"type": "teleport"}', '{"type": "subscribe"}', b"\x00\x01binary"],
    ids=["not-json", "unknown-type", "missing-field", "binary"],
)
async def test_a_malformed_frame_is_answered_with_an_error_and_the_connection_carries_on(
    realtime: RealtimeClient, personas: Personas, frame: str | bytes
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.websocket.send(frame)
        error = await connection.receive(1)
        await connection.ping()
        assert await connection.receive(1) == Pong()

    assert isinstance(error, ErrorMessage)
    assert error.code == "bad_message"


@pytest.mark.parametrize("channel", ["org:\u00b2", "shipment:\u00b2", "job:\u00b2"])
async def test_a_channel_with_unicode_digits_is_refused_and_the_connection_carries_on(
    realtime: RealtimeClient, personas: Personas, channel: str
) -> None:
    # "²" passes str.isdigit() but int() refuses it: once it dropped the socket with no close frame (SEC-10).
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.subscribe(channel)
        refused = await connection.receive(2)
        await connection.ping()
        assert await connection.receive(1) == Pong()

    assert isinstance(refused, ErrorMessage)
    assert refused.channel == channel


async def test_a_silent_client_is_closed_after_the_idle_timeout_and_a_pinging_one_is_not(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, ws_idle_timeout_seconds="1")
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as silent, realtime.connect(token=token) as pinging:
        assert isinstance(await silent.receive(1), Ready)
        assert isinstance(await pinging.receive(1), Ready)
        for _ in range(4):
            await asyncio.sleep(0.5)
            await pinging.ping()
            assert await pinging.receive(1) == Pong()

        assert await closed_with(silent) == CloseCode.IDLE_TIMEOUT


async def test_a_slow_consumer_is_dropped_without_delaying_the_others(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    realtime = start_realtime(personas.database_url, ws_send_queue_size="50")
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    # Large events fill the slow client's socket buffers quickly, so its send queue overflows.
    bulky = secrets.token_hex(10_000)
    events = 1000

    async with slow_reader(realtime, token) as slow, realtime.connect(token=token) as fast:
        for connection in (slow, fast):
            assert isinstance(await connection.receive(1), Ready)
            await connection.subscribe(channel)
            assert await connection.receive(1) == Subscribed(channel=channel)

        # In step with the fast client, so that only the slow one can fall behind: a publisher in this
        # process that raced ahead could make the fast client slow too, on a busy machine.
        for sent in range(events):
            await streams.publish(personas.acme_id, reference=bulky)
            message = await fast.receive(within=2.0)
            assert isinstance(message, EventMessage), f"event {sent + 1} of {events}: {message!r}"

        assert await closed_with(slow) == CloseCode.SLOW_CONSUMER


@asynccontextmanager
async def slow_reader(realtime: RealtimeClient, token: str) -> AsyncIterator[Connection]:
    """A client that reads nothing until told to, with a small socket buffer (a phone on a bad network)."""
    sock = socket.socket()
    # Set before connecting, so the kernel does not grow the receive window.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    sock.connect(("127.0.0.1", int(realtime.http_url.rsplit(":", 1)[1])))
    sock.setblocking(False)
    async with websockets.asyncio.client.connect(
        realtime.ws_url, sock=sock, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=1
    ) as websocket:
        yield Connection(websocket)


async def test_shutting_a_replica_down_closes_its_clients_with_1012(
    start_realtime: StartRealtime, personas: Personas, processes: ProcessGroup
) -> None:
    realtime = start_realtime(personas.database_url)
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.subscribe(f"org:{personas.acme_id}")
        assert isinstance(await connection.receive(1), Subscribed)

        stopping = asyncio.create_task(asyncio.to_thread(processes.stop_all))  # SIGTERM, as Kubernetes does
        code = await closed_with(connection, within=10)
        await stopping

    assert code == CloseCode.SERVICE_RESTART
