"""Who may send telemetry, checked on every batch although a device's account is cached between batches.

The cache (``auth/account_cache.py``) is set to an hour here, so only the
access stream can drop an account from it: each test shows a change of access
taking effect on the next batch, as it does for open WebSockets.
"""

import asyncio

import httpx
import pytest

from waybill_contracts.access import AccessChangeReason
from waybill_realtime.auth.account_cache import AccountCache
from waybill_realtime.auth.accounts import Account
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

from .test_telemetry import position, report

ACCESS_DEADLINE_SECONDS = 2.0
"""As for sockets (test_revocation.py): the change reaches every replica through the access stream."""
CACHED = {"telemetry_account_cache_seconds": "3600"}


async def refused_within(realtime: RealtimeClient, token: str, vehicle_id: int, seconds: float) -> int:
    """Send one-position batches until one is refused with 401; how many were accepted before."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    accepted = 0
    while loop.time() < deadline:
        answer = await report(realtime, token, [position(vehicle_id, seconds_ago=1 + accepted / 1000)])
        if answer.status_code == httpx.codes.UNAUTHORIZED:
            return accepted
        assert answer.status_code == httpx.codes.OK
        accepted += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"still accepted {seconds} s after the change ({accepted} batches)")


async def driver_with_cached_account(
    start_realtime: StartRealtime, personas: Personas
) -> tuple[RealtimeClient, str, int]:
    """A replica, the driver's token and id, after one accepted batch (the account is cached now)."""
    realtime = start_realtime(personas.database_url, **CACHED)
    token = await realtime.token(personas.acme_driver, personas.password)
    assert (await report(realtime, token, [position(personas.acme_van)])).status_code == httpx.codes.OK
    return realtime, token, await personas.user_id(personas.acme_driver)


async def test_a_device_deactivated_in_django_is_refused_once_the_change_reaches_the_replica(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    realtime, token, driver_id = await driver_with_cached_account(start_realtime, personas)

    await personas.deactivate(personas.acme_driver)
    await streams.change_access(user_id=driver_id, reason=AccessChangeReason.USER_DEACTIVATED)

    await refused_within(realtime, token, personas.acme_van, ACCESS_DEADLINE_SECONDS)


async def test_after_a_password_change_every_earlier_token_is_refused_and_a_new_one_works(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    realtime, token, driver_id = await driver_with_cached_account(start_realtime, personas)

    await personas.revoke_tokens(personas.acme_driver)
    await streams.change_access(user_id=driver_id, reason=AccessChangeReason.PASSWORD_CHANGED)
    await refused_within(realtime, token, personas.acme_van, ACCESS_DEADLINE_SECONDS)
    fresh = await realtime.token(personas.acme_driver, personas.password)

    assert (await report(realtime, fresh, [position(personas.acme_van, seconds_ago=3)])).status_code == 200


async def test_a_signed_out_token_is_refused_on_its_next_batch_on_every_replica(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    first = start_realtime(personas.database_url, **CACHED)
    second = start_realtime(personas.database_url, **CACHED)
    signed_out = await first.token(personas.acme_driver, personas.password)
    kept = await first.token(personas.acme_driver, personas.password)
    assert (await report(second, signed_out, [position(personas.acme_van)])).status_code == 200

    async with httpx.AsyncClient(base_url=first.http_url) as client:
        logout = await client.post("/auth/jwt/logout", headers={"Authorization": f"Bearer {signed_out}"})
    refused = await report(second, signed_out, [position(personas.acme_van, seconds_ago=3)])
    other = await report(second, kept, [position(personas.acme_van, seconds_ago=4)])

    assert logout.status_code == httpx.codes.NO_CONTENT
    assert refused.status_code == httpx.codes.UNAUTHORIZED
    assert refused.json() == {"detail": "Unauthorized"}
    assert other.status_code == httpx.codes.OK


async def test_an_address_over_its_limit_gets_429_whichever_device_sends(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, telemetry_address_rate_limit_per_minute="2")
    driver = await realtime.token(personas.acme_driver, personas.password)
    dispatcher = await realtime.token(personas.acme_dispatcher, personas.password)

    answers = [
        await report(realtime, driver, [position(personas.acme_van, seconds_ago=5)]),
        await report(realtime, dispatcher, [position(personas.acme_truck, seconds_ago=5)]),
        await report(realtime, dispatcher, [position(personas.acme_truck, seconds_ago=6)]),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60


def account(user_id: int = 7) -> Account:
    return Account(
        id=user_id,
        email="driver@example.test",
        full_name="",
        hashed_password="",
        is_active=True,
        is_superuser=False,
        token_version=1,
    )


@pytest.mark.parametrize("following", [True, False])
def test_an_account_is_kept_only_while_the_access_stream_is_followed(following: bool) -> None:
    cache = AccountCache(ttl_seconds=60)
    cache.following(True)
    cache.following(following)

    cache.put(account(), read_since=cache.generation)

    assert (cache.get(7) is not None) is following


def test_an_account_read_before_a_change_of_its_access_is_not_kept() -> None:
    cache = AccountCache(ttl_seconds=60)
    cache.following(True)
    read_since = cache.generation

    cache.forget(7)  # the change arrives while the row is being read
    cache.put(account(), read_since=read_since)

    assert cache.get(7) is None


def test_losing_the_access_stream_forgets_every_account() -> None:
    cache = AccountCache(ttl_seconds=60)
    cache.following(True)
    cache.put(account(7), read_since=cache.generation)
    cache.put(account(8), read_since=cache.generation)

    cache.following(False)

    assert (cache.get(7), cache.get(8)) == (None, None)
