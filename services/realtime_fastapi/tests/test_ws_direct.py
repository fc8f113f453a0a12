"""The fan-out fast path (frames encoded once, written straight to each transport) keeps every guarantee.

``waybill-realtime`` serves every WebSocket on that path; each test checks one
promise of docs/protocol.md with many clients at once, where a shared frame
or a skipped queue would show.
"""

import asyncio
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import httpx
import websockets.asyncio.client
from websockets.exceptions import ConnectionClosed

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import Event, InvitationCreated, ShipmentCreated
from waybill_contracts.ws import CloseCode, ErrorMessage, EventMessage, Pong, Ready, Subscribed, Unsubscribed
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

CLIENTS = 40


def metric(realtime: RealtimeClient, name: str) -> float:
    text = httpx.get(f"{realtime.http_url}/metrics", timeout=5).text
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@asynccontextmanager
async def subscribed(
    realtime: RealtimeClient, token: str, channel: str, count: int, last_id: str | None = None
) -> AsyncIterator[list[Connection]]:
    async with AsyncExitStack() as stack:
        connections = [await stack.enter_async_context(realtime.connect(token=token)) for _ in range(count)]
        for connection in connections:
            assert isinstance(await connection.receive(5), Ready)
            await connection.subscribe(channel, last_id=last_id)
            assert await connection.receive(5) == Subscribed(channel=channel)
        yield connections


async def events_of(connection: Connection, count: int) -> list[EventMessage]:
    received = []
    for _ in range(count):
        message = await connection.receive(10)
        assert isinstance(message, EventMessage)
        received.append(message)
    return received


def references(messages: list[EventMessage]) -> list[str]:
    return [message.event.reference for message in messages if isinstance(message.event, ShipmentCreated)]


async def test_waybill_realtime_writes_frames_on_the_direct_path(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(5), Ready)

    assert metric(realtime, 'waybill_ws_sessions_total{path="direct"}') == 1
    assert metric(realtime, 'waybill_ws_sessions_total{path="asgi"}') == 0


async def test_many_clients_each_get_every_event_once_in_stream_order(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    sent = [f"E-{number}" for number in range(200)]

    async with subscribed(realtime, token, channel, CLIENTS) as connections:
        ids = [await streams.publish(personas.acme_id, reference=reference) for reference in sent]
        received = await asyncio.gather(*(events_of(connection, len(sent)) for connection in connections))

    for messages in received:
        assert references(messages) == sent  # none missing, none twice, in order
        assert [message.stream_id for message in messages] == ids
        assert {message.channel for message in messages} == {channel}


async def test_resuming_clients_get_what_they_missed_then_live_events_without_gap_or_duplicate(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    seen_id = await streams.publish(personas.acme_id, reference="seen")
    missed = [f"M-{number}" for number in range(300)]
    for reference in missed:
        await streams.publish(personas.acme_id, reference=reference)
    live = [f"L-{number}" for number in range(50)]

    async with subscribed(realtime, token, channel, CLIENTS, last_id=seen_id) as connections:
        # Live events arrive while the replays are still being written: they must queue behind them.
        publishing = asyncio.gather(*(streams.publish(personas.acme_id, reference=r) for r in live))
        received = await asyncio.gather(
            *(events_of(connection, len(missed) + len(live)) for connection in connections)
        )
        await publishing

    for messages in received:
        got = references(messages)
        assert got[: len(missed)] == missed
        assert sorted(got[len(missed) :], key=lambda r: int(r[2:])) == live
        stream_ids = [tuple(map(int, message.stream_id.split("-"))) for message in messages]
        assert stream_ids == sorted(set(stream_ids))


async def test_an_event_reaches_only_the_roles_that_may_see_it_while_shared_frames_go_to_the_rest(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    channel = f"org:{personas.acme_id}"
    owner = await realtime.token(personas.acme_owner, personas.password)
    dispatcher = await realtime.token(personas.acme_dispatcher, personas.password)
    invitation = InvitationCreated(
        event_id=uuid.uuid4(),
        organization_id=personas.acme_id,
        occurred_at=datetime.now(UTC),
        invitation_id=7,
        role=Role.VIEWER,
    )

    async with (
        subscribed(realtime, owner, channel, CLIENTS // 2) as owners,
        subscribed(realtime, dispatcher, channel, CLIENTS // 2) as dispatchers,
    ):
        await streams.publish(personas.acme_id, reference="before")
        await streams.append(invitation)
        await streams.publish(personas.acme_id, reference="after")
        owners_saw = await asyncio.gather(*(events_of(connection, 3) for connection in owners))
        dispatchers_saw = await asyncio.gather(*(events_of(connection, 2) for connection in dispatchers))

    for messages in owners_saw:
        assert [message.event.type for message in messages] == [
            "shipment.created",
            "invitation.created",
            "shipment.created",
        ]
    for messages in dispatchers_saw:
        assert references(messages) == ["before", "after"]


@asynccontextmanager
async def stalled_reader(realtime: RealtimeClient, token: str) -> AsyncIterator[Connection]:
    """A client whose application stops reading (small receive buffer, at most one message queued)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024)
    sock.connect(("127.0.0.1", int(realtime.http_url.rsplit(":", 1)[1])))
    sock.setblocking(False)
    async with websockets.asyncio.client.connect(
        realtime.ws_url,
        sock=sock,
        additional_headers={"Authorization": f"Bearer {token}"},
        max_queue=1,
        max_size=None,
        compression=None,
    ) as websocket:
        yield Connection(websocket)


async def test_a_client_that_stops_reading_is_closed_with_4002_ahead_of_what_it_did_not_read(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    # A backlog far larger than the burst: only the drain deadline can find this client slow.
    realtime = start_realtime(personas.database_url, ws_send_queue_size="100000", ws_send_timeout_seconds="1")
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    bulky = "x" * 20_000
    events = 600

    async with stalled_reader(realtime, token) as stalled, realtime.connect(token=token) as reading:
        for connection in (stalled, reading):
            assert isinstance(await connection.receive(5), Ready)
            await connection.subscribe(channel)
            assert await connection.receive(5) == Subscribed(channel=channel)
        publishing = asyncio.create_task(publish_all(streams, personas.acme_id, events, bulky))
        delivered = await events_of(reading, events)
        await publishing
        for _ in range(200):  # the stalled client is found slow within about a second of its socket filling
            if metric(realtime, "waybill_ws_slow_consumers_dropped_total") == 1:
                break
            await asyncio.sleep(0.05)
        read_before_close = 0
        code: int | None = None
        try:
            while True:  # it reads again: what the kernel held, then the close, not the 12 MB it never read
                await stalled.receive(5)
                read_before_close += 1
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None

    assert len(delivered) == events
    assert code == CloseCode.SLOW_CONSUMER
    assert read_before_close < events


async def test_a_client_whose_socket_filled_gets_every_event_in_order_once_it_reads_again(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    # Its transport pauses writing (frames wait in its backlog), then resumes: the fast path must see both.
    realtime = start_realtime(
        personas.database_url, ws_send_queue_size="100000", ws_send_timeout_seconds="30"
    )
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    bulky = "x" * 20_000
    events = 600  # 12 MB: far more than the kernel's buffers hold for a client that does not read

    async with stalled_reader(realtime, token) as stalled, realtime.connect(token=token) as reading:
        for connection in (stalled, reading):
            assert isinstance(await connection.receive(5), Ready)
            await connection.subscribe(channel)
            assert await connection.receive(5) == Subscribed(channel=channel)
        await publish_all(streams, personas.acme_id, events, bulky)
        await events_of(reading, events)  # the hub has fanned every event out: the stalled one is behind
        caught_up = await events_of(stalled, events)
        for number in range(5):  # once caught up, written straight to its socket again
            await streams.publish(personas.acme_id, reference=f"after-{number}")
        after = await events_of(stalled, 5)

    assert references(caught_up) == [bulky] * events
    ids = [message.stream_id for message in caught_up + after]
    assert len(set(ids)) == len(ids)
    assert sorted(ids, key=lambda stream_id: tuple(map(int, stream_id.split("-")))) == ids
    assert references(after) == [f"after-{number}" for number in range(5)]
    assert metric(realtime, "waybill_ws_slow_consumers_dropped_total") == 0


async def publish_all(streams: EventStreams, organization_id: int, count: int, reference: str) -> None:
    for _ in range(count):
        await streams.publish(organization_id, reference=reference)


async def test_a_last_id_beyond_64_bits_is_refused_before_subscribing_and_the_largest_one_replays_nothing(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    largest = f"{2**64 - 1}-{2**64 - 1}"
    await streams.publish(personas.acme_id, reference="history")

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(5), Ready)
        # Raw frames: the reference client would refuse to send these.
        await connection.websocket.send(
            json.dumps({"type": "subscribe", "channel": channel, "last_id": "9" * 23 + "-0"})
        )
        refused = await connection.receive(5)
        await connection.websocket.send(
            json.dumps({"type": "subscribe", "channel": channel, "last_id": f"{2**64}-0"})
        )
        refused_too = await connection.receive(5)
        await connection.subscribe(channel, last_id=largest)
        accepted = await connection.receive(5)
        await streams.publish(personas.acme_id, reference="live")
        live = await connection.receive(5)

    assert isinstance(refused, ErrorMessage)
    assert refused.code == "bad_message"
    assert isinstance(refused_too, ErrorMessage)
    assert "at most 18446744073709551615" in refused_too.message
    assert accepted == Subscribed(channel=channel)
    assert isinstance(live, EventMessage)
    assert references([live]) == ["live"]


async def test_a_client_that_reads_slower_than_it_is_sent_to_is_closed_with_4002_within_the_deadline(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    # The queue is never full and every write makes progress: only "caught up within 1 s" finds it slow.
    realtime = start_realtime(personas.database_url, ws_send_queue_size="100000", ws_send_timeout_seconds="1")
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    bulky = "x" * 2_000

    async with stalled_reader(realtime, token) as slow:
        assert isinstance(await slow.receive(5), Ready)
        await slow.subscribe(channel)
        assert await slow.receive(5) == Subscribed(channel=channel)
        publishing = asyncio.create_task(publish_for(streams, personas.acme_id, seconds=6.0, reference=bulky))
        code: int | None = None
        read = 0
        try:
            while not publishing.done():
                await slow.receive(5)  # about 25 messages a second, a tenth of what is sent
                read += 1
                await asyncio.sleep(0.04)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
        publishing.cancel()

    assert code == CloseCode.SLOW_CONSUMER
    assert read > 10  # it did read all along


async def publish_for(streams: EventStreams, organization_id: int, *, seconds: float, reference: str) -> None:
    """About 250 events a second, for ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        for _ in range(5):
            await streams.publish(organization_id, reference=reference)
        await asyncio.sleep(0.02)


async def test_a_burst_read_at_once_reaches_every_role_in_order_without_gap_or_duplicate(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    # One pipelined XADD of many entries: the hub reads them in one go and joins each role's frames.
    channel = f"org:{personas.acme_id}"
    owner = await realtime.token(personas.acme_owner, personas.password)
    dispatcher = await realtime.token(personas.acme_dispatcher, personas.password)
    burst: list[Event] = []
    for number in range(150):
        burst.append(created(personas.acme_id, f"B-{number}"))
        if number % 10 == 0:
            burst.append(invited(personas.acme_id))

    async with (
        subscribed(realtime, owner, channel, CLIENTS // 2) as owners,
        subscribed(realtime, dispatcher, channel, CLIENTS // 2) as dispatchers,
    ):
        async with streams.redis.pipeline(transaction=False) as pipe:
            for event in burst:
                pipe.xadd(org_stream_key(personas.acme_id), {STREAM_ENTRY_FIELD: event.model_dump_json()})
            ids = await pipe.execute()
        owners_saw = await asyncio.gather(*(events_of(connection, len(burst)) for connection in owners))
        dispatchers_saw = await asyncio.gather(*(events_of(connection, 150) for connection in dispatchers))

    for messages in owners_saw:
        assert [message.stream_id for message in messages] == ids
    shipment_ids = [
        stream_id for stream_id, event in zip(ids, burst, strict=True) if event.type != "invitation.created"
    ]
    for messages in dispatchers_saw:
        assert [message.stream_id for message in messages] == shipment_ids
        assert references(messages) == [f"B-{number}" for number in range(150)]


def created(organization_id: int, reference: str) -> ShipmentCreated:
    return ShipmentCreated(
        event_id=uuid.uuid4(),
        organization_id=organization_id,
        occurred_at=datetime.now(UTC),
        shipment_id=1,
        reference=reference,
        status=ShipmentStatus.DRAFT,
    )


def invited(organization_id: int) -> InvitationCreated:
    return InvitationCreated(
        event_id=uuid.uuid4(),
        organization_id=organization_id,
        occurred_at=datetime.now(UTC),
        invitation_id=7,
        role=Role.VIEWER,
    )


async def test_messages_sent_at_once_are_answered_in_order_while_a_subscribe_waits_for_the_database(
    realtime: RealtimeClient, personas: Personas
) -> None:
    # Between messages a connection holds no task (decision 0204): one that must wait runs on its own and
    # those after it wait their turn, so the answers still come in the order the messages were sent.
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    shipment = await personas.add_shipment(personas.acme_id)
    org_channel, shipment_channel = f"org:{personas.acme_id}", f"shipment:{shipment.id}"
    other_organization = f"org:{personas.globex_id}"

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(5), Ready)
        await asyncio.gather(
            *(
                connection.websocket.send(json.dumps(message))
                for message in (
                    {"type": "subscribe", "channel": org_channel},
                    {"type": "ping"},
                    {"type": "subscribe", "channel": shipment_channel},
                    {"type": "unsubscribe", "channel": org_channel},
                    {"type": "subscribe", "channel": other_organization},
                    {"type": "ping"},
                )
            )
        )
        answers = [await connection.receive(5) for _ in range(6)]

    assert answers == [
        Subscribed(channel=org_channel),
        Pong(),
        Subscribed(channel=shipment_channel),
        Unsubscribed(channel=org_channel),
        ErrorMessage(
            code="forbidden", message="not a member of its organization", channel=other_organization
        ),
        Pong(),
    ]


async def test_a_client_that_leaves_while_its_subscribe_is_answered_holds_no_subscription(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channels = [f"org:{personas.acme_id}", *[f"shipment:{number}" for number in range(1, 30)]]

    for _ in range(5):
        async with realtime.connect(token=token) as connection:
            assert isinstance(await connection.receive(5), Ready)
            for channel in channels:  # then gone without reading the answers
                await connection.subscribe(channel)

    for _ in range(200):
        if metric(realtime, "waybill_ws_open_connections") == 0:
            break
        await asyncio.sleep(0.05)
    assert metric(realtime, "waybill_ws_open_connections") == 0, "a connection was never cleaned up"
    assert metric(realtime, "waybill_ws_subscriptions") == 0, "a subscription outlived its connection"
