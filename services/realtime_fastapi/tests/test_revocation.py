"""Open connections follow access changes at once, on every replica; a token's expiry ends its connection."""

import asyncio
import os
from dataclasses import dataclass

import httpx
import jwt
from websockets.exceptions import ConnectionClosed

from waybill_contracts.access import AccessChangeReason
from waybill_contracts.ws import CloseCode, EventMessage, Ready, Subscribed
from waybill_realtime.auth.tokens import TOKEN_AUDIENCE
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

REVOCATION_DEADLINE_SECONDS = 2.0


@dataclass(frozen=True)
class Closed:
    code: int | None
    reason: str
    events: int
    """Events received before the close."""


async def closed(connection: Connection, within: float) -> Closed:
    events = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            message = await connection.receive(max(0.01, deadline - loop.time()))
        except ConnectionClosed as error:
            frame = error.rcvd
            return Closed(frame.code if frame else None, frame.reason if frame else "", events)
        except TimeoutError:
            raise AssertionError(f"still open {within} s later ({events} events received)") from None
        events += isinstance(message, EventMessage)


async def subscribed(connection: Connection, channel: str) -> None:
    assert isinstance(await connection.receive(2), Ready)
    await connection.subscribe(channel)
    assert await connection.receive(2) == Subscribed(channel=channel)


async def still_open(connection: Connection) -> bool:
    await connection.ping()
    try:
        return (await connection.receive(2)).type == "pong"
    except ConnectionClosed:
        return False


async def test_a_deactivated_users_sockets_close_on_every_replica_within_two_seconds(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    first, second = start_realtime(personas.database_url), start_realtime(personas.database_url)
    token = await first.token(personas.acme_viewer, personas.password)
    other = await first.token(personas.acme_dispatcher, personas.password)
    viewer_id = await personas.user_id(personas.acme_viewer)
    ticket = await streams.issue_ticket(user_id=viewer_id, organization_id=personas.acme_id)
    channel = f"org:{personas.acme_id}"

    async with (
        first.connect(token=token) as on_first,
        second.connect(token=token) as on_second,
        second.connect(ticket=ticket) as browser,
        second.connect(token=other) as colleague,
    ):
        for connection in (on_first, on_second, browser, colleague):
            await subscribed(connection, channel)

        await personas.deactivate(personas.acme_viewer)
        await streams.change_access(user_id=viewer_id, reason=AccessChangeReason.USER_DEACTIVATED)
        outcomes = await asyncio.gather(
            *(closed(c, REVOCATION_DEADLINE_SECONDS) for c in (on_first, on_second, browser))
        )
        await streams.publish(personas.acme_id)

        assert [(o.code, o.reason) for o in outcomes] == [
            (CloseCode.ACCESS_REVOKED, "access revoked: account deactivated")
        ] * 3
        assert isinstance(await colleague.receive(2), EventMessage)


async def test_removal_closes_the_sockets_reading_that_organization_and_a_demotion_makes_them_reconnect(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    replica = start_realtime(personas.database_url)
    token = await replica.token(personas.acme_dispatcher, personas.password)
    dispatcher_id = await personas.user_id(personas.acme_dispatcher)

    async with replica.connect(token=token) as reading_acme, replica.connect(token=token) as idle:
        await subscribed(reading_acme, f"org:{personas.acme_id}")
        assert isinstance(await idle.receive(2), Ready)
        # Another organization's change leaves it alone.
        await streams.change_access(
            user_id=dispatcher_id, reason=AccessChangeReason.ROLE_CHANGED, organization_id=personas.globex_id
        )
        assert await still_open(reading_acme)

        await streams.change_access(
            user_id=dispatcher_id, reason=AccessChangeReason.ROLE_CHANGED, organization_id=personas.acme_id
        )
        demoted = await closed(reading_acme, REVOCATION_DEADLINE_SECONDS)
        assert (demoted.code, demoted.reason) == (
            CloseCode.ACCESS_REVOKED,
            "access changed: role changed, reconnect",
        )
        assert await still_open(idle)  # it reads nothing of Acme's: nothing to narrow

    async with replica.connect(token=token) as connection:
        await subscribed(connection, f"org:{personas.acme_id}")
        await personas.remove_membership(personas.acme_dispatcher, personas.acme_id)
        await streams.change_access(
            user_id=dispatcher_id,
            reason=AccessChangeReason.MEMBERSHIP_REMOVED,
            organization_id=personas.acme_id,
        )
        removed = await closed(connection, REVOCATION_DEADLINE_SECONDS)
        assert (removed.code, removed.reason) == (
            CloseCode.ACCESS_REVOKED,
            "access revoked: removed from the organization",
        )


async def test_signing_out_revokes_that_token_and_closes_its_sockets_on_other_replicas(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    first, second = start_realtime(personas.database_url), start_realtime(personas.database_url)
    signed_out = await first.token(personas.acme_viewer, personas.password)
    kept = await first.token(personas.acme_viewer, personas.password)

    async with second.connect(token=signed_out) as doomed, second.connect(token=kept) as survivor:
        for connection in (doomed, survivor):
            assert isinstance(await connection.receive(2), Ready)
        async with httpx.AsyncClient(base_url=first.http_url) as client:
            logout = await client.post("/auth/jwt/logout", headers={"Authorization": f"Bearer {signed_out}"})
            again = await client.get("/users/me", headers={"Authorization": f"Bearer {signed_out}"})
            other = await client.get("/users/me", headers={"Authorization": f"Bearer {kept}"})

        outcome = await closed(doomed, REVOCATION_DEADLINE_SECONDS)
        assert (outcome.code, outcome.reason) == (CloseCode.ACCESS_REVOKED, "access revoked: signed out")
        assert await still_open(survivor)
    assert logout.status_code == httpx.codes.NO_CONTENT
    assert again.status_code == httpx.codes.UNAUTHORIZED
    assert other.status_code == httpx.codes.OK


async def test_a_password_change_revokes_every_token_and_closes_their_sockets(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    replica = start_realtime(personas.database_url)
    token = await replica.token(personas.acme_viewer, personas.password)
    viewer_id = await personas.user_id(personas.acme_viewer)

    async with replica.connect(token=token) as connection:
        assert isinstance(await connection.receive(2), Ready)
        await personas.revoke_tokens(personas.acme_viewer)
        await streams.change_access(user_id=viewer_id, reason=AccessChangeReason.PASSWORD_CHANGED)
        outcome = await closed(connection, REVOCATION_DEADLINE_SECONDS)

    assert outcome.code == CloseCode.ACCESS_REVOKED
    async with httpx.AsyncClient(base_url=replica.http_url) as client:
        me = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == httpx.codes.UNAUTHORIZED


async def test_a_socket_closes_with_4005_when_its_token_expires(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    replica = start_realtime(personas.database_url, jwt_lifetime_seconds="2")
    token = await replica.token(personas.acme_viewer, personas.password)

    async with replica.connect(token=token) as connection:
        await subscribed(connection, f"org:{personas.acme_id}")
        outcome = await closed(connection, 4.0)

    assert (outcome.code, outcome.reason) == (CloseCode.TOKEN_EXPIRED, "token expired: sign in again")


async def test_tokens_without_expiry_or_signed_with_the_raw_secret_key_are_refused(
    realtime: RealtimeClient, personas: Personas
) -> None:
    viewer_id = await personas.user_id(personas.acme_viewer)
    claims = {"sub": str(viewer_id), "aud": TOKEN_AUDIENCE, "jti": "x" * 22, "ver": 0}
    secret = os.environ[
        "SECRET_KEY"
    ]  # the replica's: tokens are signed with a key derived from it, not with it
    forged = [
        jwt.encode(claims, secret, algorithm="HS256"),
        jwt.encode({**claims, "exp": 4_000_000_000}, secret, algorithm="HS256"),
    ]
    async with httpx.AsyncClient(base_url=realtime.http_url) as client:
        answers = [
            (await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})).status_code
            for token in forged
        ]
    assert answers == [httpx.codes.UNAUTHORIZED] * 2
