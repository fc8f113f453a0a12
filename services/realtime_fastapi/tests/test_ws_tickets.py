"""Browser clients: a single-use ticket issued by Django, bound to a user and an organization."""

import pytest
from websockets.exceptions import ConnectionClosed

from waybill_contracts.ws import CloseCode, ErrorMessage, Ready, Subscribed
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas


async def close_code(connection: Connection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await connection.receive(3)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_a_ticket_opens_a_connection_once(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    user_id = await personas.user_id(personas.acme_dispatcher)
    ticket = await streams.issue_ticket(user_id=user_id, organization_id=personas.acme_id)

    async with realtime.connect(ticket=ticket, origin="http://localhost:8000") as connection:
        assert await connection.receive(1) == Ready(user_id=user_id)
        await connection.subscribe(f"org:{personas.acme_id}")
        assert await connection.receive(1) == Subscribed(channel=f"org:{personas.acme_id}")

    async with realtime.connect(ticket=ticket, origin="http://localhost:8000") as connection:
        assert await close_code(connection) == CloseCode.POLICY_VIOLATION


async def test_a_ticket_connection_is_limited_to_the_ticket_s_organization(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    user_id = await personas.user_id(personas.acme_dispatcher)
    ticket = await streams.issue_ticket(user_id=user_id, organization_id=personas.acme_id)

    async with realtime.connect(ticket=ticket) as connection:
        assert isinstance(await connection.receive(1), Ready)
        await connection.subscribe(f"org:{personas.globex_id}")
        refusal = await connection.receive(1)

    assert isinstance(refusal, ErrorMessage)
    assert refusal.code == "forbidden"


async def test_a_ticket_for_an_organization_the_user_is_not_in_is_refused(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    user_id = await personas.user_id(personas.acme_dispatcher)
    ticket = await streams.issue_ticket(user_id=user_id, organization_id=personas.globex_id)

    async with realtime.connect(ticket=ticket) as connection:
        assert await close_code(connection) == CloseCode.POLICY_VIOLATION


async def test_a_ticket_of_a_deactivated_user_is_refused(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    user_id = await personas.user_id(personas.acme_inactive_driver)
    ticket = await streams.issue_ticket(user_id=user_id, organization_id=personas.acme_id)

    async with realtime.connect(ticket=ticket) as connection:
        assert await close_code(connection) == CloseCode.POLICY_VIOLATION


async def test_a_made_up_ticket_is_refused(realtime: RealtimeClient) -> None:
    async with realtime.connect(ticket="x" * 43) as connection:
        assert await close_code(connection) == CloseCode.POLICY_VIOLATION
