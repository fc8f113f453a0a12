"""``POST /auth/jwt/login`` follows Django's sign-in rules: verified email, TOTP, and the shared lockout."""

import base64
import secrets
import time

import httpx
from redis.asyncio import Redis

from waybill_contracts.signin import PER_ACCOUNT, account_failures_key, totp_used_key
from waybill_realtime.auth.signin import totp_value
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import Personas


async def login(
    realtime: RealtimeClient, email: str, password: str, code: str | None = None
) -> httpx.Response:
    form = {"username": email, "password": password, **({"code": code} if code is not None else {})}
    async with httpx.AsyncClient(base_url=realtime.http_url) as client:
        return await client.post("/auth/jwt/login", data=form)


async def test_an_unverified_email_address_gets_no_token(
    realtime: RealtimeClient, personas: Personas
) -> None:
    await personas.unverify(personas.acme_viewer)

    response = await login(realtime, personas.acme_viewer, personas.password)

    assert (response.status_code, response.json()) == (400, {"detail": "LOGIN_USER_NOT_VERIFIED"})


async def test_an_email_address_with_a_nul_character_is_a_wrong_sign_in_not_an_outage(
    realtime: RealtimeClient, personas: Personas
) -> None:
    response = await login(realtime, f"{personas.acme_viewer}\x00", personas.password)

    assert (response.status_code, response.json()) == (400, {"detail": "LOGIN_BAD_CREDENTIALS"})


async def test_an_account_with_totp_needs_the_current_code_and_each_code_works_once(
    realtime: RealtimeClient, personas: Personas
) -> None:
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    await personas.enable_totp(personas.acme_dispatcher, secret)
    current = current_totp_code(secret)
    wrong = f"{(int(current) + 1) % 1_000_000:06d}"

    without = await login(realtime, personas.acme_dispatcher, personas.password)
    mistyped = await login(realtime, personas.acme_dispatcher, personas.password, wrong)
    right = await login(realtime, personas.acme_dispatcher, personas.password, current)
    replayed = await login(realtime, personas.acme_dispatcher, personas.password, current)

    assert (without.status_code, without.json()) == (400, {"detail": "LOGIN_MFA_REQUIRED"})
    assert (mistyped.status_code, mistyped.json()) == (400, {"detail": "LOGIN_BAD_MFA_CODE"})
    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    assert (replayed.status_code, replayed.json()) == (400, {"detail": "LOGIN_BAD_MFA_CODE"})


def current_totp_code(secret: str) -> str:
    if time.time() % 30 > 25:  # too close to the next period for two requests to see the same code
        time.sleep(30 - time.time() % 30)
    return totp_value(secret, int(time.time()) // 30)


async def test_a_totp_code_accepted_here_is_refused_by_the_dashboard_and_the_other_way(
    realtime: RealtimeClient, personas: Personas, redis_url: str
) -> None:
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    await personas.enable_totp(personas.acme_dispatcher, secret)
    user_id = await personas.user_id(personas.acme_dispatcher)
    code = current_totp_code(secret)
    redis = Redis.from_url(redis_url)

    accepted = await login(realtime, personas.acme_dispatcher, personas.password, code)
    # The record allauth's sign-in checks (waybill_django.accounts.totp_replay) before it accepts a code.
    marked = await redis.exists(totp_used_key(user_id, code))
    await redis.delete(totp_used_key(user_id, code))
    # What the dashboard leaves once it accepted a code.
    await redis.set(totp_used_key(user_id, code), "1", ex=30)
    used_on_the_dashboard = await login(realtime, personas.acme_dispatcher, personas.password, code)
    await redis.aclose()

    assert accepted.status_code == 200
    assert marked == 1
    assert (used_on_the_dashboard.status_code, used_on_the_dashboard.json()) == (
        400,
        {"detail": "LOGIN_BAD_MFA_CODE"},
    )


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    realtime: RealtimeClient, personas: Personas
) -> None:
    wrong = [
        (await login(realtime, personas.acme_viewer, "guess")).status_code
        for _ in range(PER_ACCOUNT.failures)
    ]
    locked = await login(realtime, personas.acme_viewer, personas.password)

    assert wrong == [400] * PER_ACCOUNT.failures
    assert (locked.status_code, locked.json()) == (429, {"detail": "LOGIN_TOO_MANY_ATTEMPTS"})
    assert int(locked.headers["Retry-After"]) > 0


async def test_a_lockout_counted_by_the_dashboard_holds_here(
    realtime: RealtimeClient, personas: Personas, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    # What Django's sign-in leaves after five failures (waybill_contracts.signin).
    await redis.set(account_failures_key(personas.acme_viewer.upper()), PER_ACCOUNT.failures, ex=60)
    await redis.aclose()

    response = await login(realtime, personas.acme_viewer, personas.password)

    assert response.status_code == 429
