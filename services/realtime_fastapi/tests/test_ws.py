"""The ``/ws`` endpoint: authentication, Origin, authorization per channel, delivery and resume."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from websockets.exceptions import ConnectionClosed, InvalidStatus

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role
from waybill_contracts.events import InvitationCreated, ShipmentCreated
from waybill_contracts.ws import (
    Authenticate,
    CloseCode,
    ErrorMessage,
    EventMessage,
    Pong,
    Ready,
    ResyncRequired,
    Subscribed,
)
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime


async def expect_close(connection: Connection, within: float = 3.0) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as closed:
        await connection.receive(within)
    return closed.value


async def signed_in_subscriber(
    realtime: RealtimeClient, connection: Connection, channel: str, last_id: str | None = None
) -> None:
    assert isinstance(await connection.receive(1), Ready)
    await connection.subscribe(channel, last_id)
    assert await connection.receive(1) == Subscribed(channel=channel)


async def event_ids(connection: Connection, count: int) -> list[str]:
    received = []
    for _ in range(count):
        message = await connection.receive(1)
        assert isinstance(message, EventMessage), message
        received.append(message.stream_id)
    return received


async def test_a_token_in_the_authorization_header_authenticates(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        ready = await connection.receive(1)

    assert isinstance(ready, Ready)


async def test_a_token_in_the_first_message_authenticates(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token, token_in_first_message=True) as connection:
        assert isinstance(await connection.receive(1), Ready)


async def test_a_connection_that_does_not_authenticate_in_time_is_closed(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, ws_auth_timeout_seconds="0.5")

    async with realtime.connect() as connection:
        closed = await expect_close(connection)

    assert closed.rcvd is not None
    assert closed.rcvd.code == CloseCode.AUTH_TIMEOUT
    assert "authentication timeout" in closed.rcvd.reason


async def test_a_bad_token_closes_the_connection_with_a_reason(realtime: RealtimeClient) -> None:
    async with realtime.connect(token="not-a-jwt") as connection:
        closed = await expect_close(connection)

    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (CloseCode.POLICY_VIOLATION, "authentication failed")


async def test_a_message_other_than_auth_first_is_refused(
    realtime: RealtimeClient, personas: Personas
) -> None:
    async with realtime.connect() as connection:
        await connection.subscribe(f"org:{personas.acme_id}")
        closed = await expect_close(connection)

    assert closed.rcvd is not None
    assert closed.rcvd.code == CloseCode.POLICY_VIOLATION
    assert closed.rcvd.reason.startswith("sign in first")


async def test_a_ping_before_auth_is_answered_and_auth_still_works(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect() as connection:
        await connection.ping()
        assert await connection.receive(1) == Pong()
        await connection.send(Authenticate(token=token))
        assert isinstance(await connection.receive(1), Ready)


async def test_an_invalid_auth_message_is_closed_with_a_reason_that_says_so(realtime: RealtimeClient) -> None:
    async with realtime.connect() as connection:
        await connection.websocket.send('{"type": "auth", "token": "", "extra": 1}')
        closed = await expect_close(connection)

    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (CloseCode.POLICY_VIOLATION, "invalid auth message")


@pytest.mark.parametrize("code", ["ab cd", "", "x" * 150, "a\\u0000b"])
async def test_a_malformed_tracking_code_is_answered_like_an_unknown_one(
    realtime: RealtimeClient, code: str
) -> None:
    async with realtime.connect() as anonymous:
        await anonymous.websocket.send(f'{{"type": "subscribe", "channel": "track:{code}"}}')
        refused = await anonymous.receive(1)
        await anonymous.ping()
        answer = await anonymous.receive(1)  # still open

    assert isinstance(refused, ErrorMessage)
    assert refused.code == "unknown_channel"
    assert answer == Pong()


async def test_an_anonymous_connection_that_sends_auth_is_told_to_open_a_new_one(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect() as anonymous:
        await anonymous.subscribe("track:doesnotexist")
        assert isinstance(await anonymous.receive(1), ErrorMessage)
        await anonymous.send(Authenticate(token=token))
        refused = await anonymous.receive(1)

    assert isinstance(refused, ErrorMessage)
    assert "new one" in refused.message


@pytest.mark.parametrize(
    "alias",
    [
        "org:0{org}",
        "org:00{org}",
        "shipment:01",
        "job:6FA459EA-EE8A-3CA4-894E-DB77E160355E",
        "job:{{6fa459ea-ee8a-3ca4-894e-db77e160355e}}",
    ],
)
async def test_a_channel_has_one_spelling_and_aliases_are_unknown(
    realtime: RealtimeClient, personas: Personas, alias: str
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        await signed_in_subscriber(realtime, connection, f"org:{personas.acme_id}")
        await connection.subscribe(alias.format(org=personas.acme_id))
        refused = await connection.receive(1)

    assert isinstance(refused, ErrorMessage)
    assert refused.code == "unknown_channel"


async def test_the_token_of_a_user_deactivated_since_sign_in_no_longer_connects(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    await personas.deactivate(personas.acme_dispatcher)

    async with realtime.connect(token=token) as connection:
        closed = await expect_close(connection)

    assert closed.rcvd is not None
    assert closed.rcvd.code == CloseCode.POLICY_VIOLATION


async def test_a_connection_from_an_origin_not_allowed_is_refused(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    with pytest.raises(InvalidStatus) as refused:
        async with realtime.connect(token=token, origin="https://evil.example"):
            pass

    assert refused.value.response.status_code == 403


async def test_a_connection_from_an_allowed_origin_is_accepted(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token, origin="http://localhost:8000") as connection:
        assert isinstance(await connection.receive(1), Ready)


async def test_an_event_reaches_the_subscriber_within_a_second_with_its_stream_id(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    async with realtime.connect(token=token) as connection:
        channel = f"org:{personas.acme_id}"
        await signed_in_subscriber(realtime, connection, channel)

        stream_id = await streams.publish(personas.acme_id, reference="WB-42")
        message = await connection.receive(within=1.0)

    assert isinstance(message, EventMessage)
    assert (message.channel, message.stream_id) == (channel, stream_id)
    assert isinstance(message.event, ShipmentCreated)
    assert (message.event.organization_id, message.event.reference) == (personas.acme_id, "WB-42")


async def test_subscribing_to_another_organization_is_refused_and_nothing_of_it_is_sent(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        globex = f"org:{personas.globex_id}"

        await connection.subscribe(globex, last_id="0-0")
        refusal = await connection.receive(1)
        await streams.publish(personas.globex_id)
        await connection.ping()
        after = await connection.receive(1)

    assert isinstance(refusal, ErrorMessage)
    assert (refusal.code, refusal.channel) == ("forbidden", globex)
    assert after == Pong()


async def test_an_organization_that_does_not_exist_is_refused_the_same_way(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.subscribe("org:999999")
        refusal = await connection.receive(1)

    assert isinstance(refusal, ErrorMessage)
    assert refusal.code == "forbidden"


async def test_a_client_that_resumes_from_its_last_id_gets_exactly_what_it_missed_then_live_events(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    async with realtime.connect(token=token) as connection:
        await signed_in_subscriber(realtime, connection, channel)
        seen = [await streams.publish(personas.acme_id) for _ in range(2)]
        assert await event_ids(connection, 2) == seen

    missed = [await streams.publish(personas.acme_id) for _ in range(3)]

    async with realtime.connect(token=token) as connection:
        await signed_in_subscriber(realtime, connection, channel, last_id=seen[-1])
        assert await event_ids(connection, 3) == missed
        live = await streams.publish(personas.acme_id)
        assert await event_ids(connection, 1) == [live]
        await connection.ping()
        assert await connection.receive(1) == Pong()


async def test_an_entry_that_is_not_utf_8_is_skipped_live_and_on_replay_and_the_stream_goes_on(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams, redis_url: str
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    before = await streams.publish(personas.acme_id)
    redis = Redis.from_url(redis_url)
    try:
        async with realtime.connect(token=token) as connection:
            await signed_in_subscriber(realtime, connection, channel)
            # Another producer's bytes: no event can be read from them.
            await redis.xadd(org_stream_key(personas.acme_id), {STREAM_ENTRY_FIELD: b"\xff\xfe not UTF-8"})
            after = await streams.publish(personas.acme_id)
            assert await event_ids(connection, 1) == [after]  # live: skipped, and the next one arrives

        async with realtime.connect(token=token) as connection:
            await signed_in_subscriber(realtime, connection, channel, last_id=before)
            assert await event_ids(connection, 1) == [after]  # replay: skipped too
            await connection.ping()
            assert await connection.receive(1) == Pong()
    finally:
        await redis.aclose()
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{realtime.http_url}/readyz")
    assert ready.json() == {"status": "ok", "problems": []}  # the stream reader still runs


async def test_events_published_during_the_replay_are_neither_lost_nor_repeated(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    backlog = [await streams.publish(personas.acme_id) for _ in range(500)]

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.subscribe(channel, last_id="0-0")
        publishing = asyncio.gather(*(streams.publish(personas.acme_id) for _ in range(50)))
        assert await connection.receive(1) == Subscribed(channel=channel)
        during = await publishing
        received = await event_ids(connection, len(backlog) + len(during))

    assert received == sorted(backlog + during, key=lambda stream_id: tuple(map(int, stream_id.split("-"))))


async def test_resuming_from_an_id_older_than_the_stream_retains_asks_for_a_resync(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"
    trimmed = await streams.publish(personas.acme_id)
    await streams.publish(personas.acme_id)
    await streams.redis.xtrim(f"waybill:org:{personas.acme_id}:events", maxlen=1, approximate=False)

    async with realtime.connect(token=token) as connection:
        await signed_in_subscriber(realtime, connection, channel, last_id=trimmed)
        assert await connection.receive(1) == ResyncRequired(channel=channel)
        live = await streams.publish(personas.acme_id)
        assert await event_ids(connection, 1) == [live]


async def test_events_a_role_may_not_see_are_left_out_of_its_stream(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    invitation = InvitationCreated(
        event_id=uuid.uuid4(),
        organization_id=personas.acme_id,
        occurred_at=datetime.now(UTC),
        invitation_id=7,
        role=Role.ADMIN,
    )
    async with realtime.connect(token=token) as connection:
        await signed_in_subscriber(realtime, connection, f"org:{personas.acme_id}")
        await streams.append(invitation)  # managing members is not a dispatcher's business
        shipment_event = await streams.publish(personas.acme_id)

        assert await event_ids(connection, 1) == [shipment_event]
