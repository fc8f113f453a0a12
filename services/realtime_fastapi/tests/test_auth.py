"""Signing in with a Django account: ``POST /auth/jwt/login`` and ``GET /users/me``."""

import httpx

from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import Personas


async def me(realtime: RealtimeClient, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=realtime.http_url) as client:
        return await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_django_user_signs_in_with_their_django_password(
    realtime: RealtimeClient, personas: Personas
) -> None:
    response = await realtime.login(personas.acme_dispatcher, personas.password)

    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    profile = await me(realtime, response.json()["access_token"])
    assert profile.status_code == 200
    assert profile.json()["email"] == personas.acme_dispatcher
    assert profile.json()["memberships"] == [
        {
            "organization_id": personas.acme_id,
            "organization_name": "Acme",
            "role": "dispatcher",
            "channel": f"org:{personas.acme_id}",
        }
    ]


async def test_the_email_is_matched_whatever_its_case(realtime: RealtimeClient, personas: Personas) -> None:
    response = await realtime.login(personas.acme_dispatcher.upper(), personas.password)

    assert response.status_code == 200


async def test_a_wrong_password_is_refused(realtime: RealtimeClient, personas: Personas) -> None:
    response = await realtime.login(personas.acme_dispatcher, "not the password")

    assert response.status_code == 400
    assert "access_token" not in response.json()


async def test_an_unknown_email_is_refused_like_a_wrong_password(
    realtime: RealtimeClient, personas: Personas
) -> None:
    response = await realtime.login("nobody@nowhere.test", personas.password)

    assert response.status_code == 400
    assert response.json() == {"detail": "LOGIN_BAD_CREDENTIALS"}


async def test_a_deactivated_user_cannot_sign_in(realtime: RealtimeClient, personas: Personas) -> None:
    response = await realtime.login(personas.acme_inactive_driver, personas.password)

    assert response.status_code == 400


async def test_a_user_deactivated_in_django_is_refused_on_the_next_request(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    assert (await me(realtime, token)).status_code == 200

    await personas.deactivate(personas.acme_dispatcher)

    assert (await me(realtime, token)).status_code == 401


async def test_signing_in_never_rewrites_the_hash_django_stored(
    realtime: RealtimeClient, personas: Personas
) -> None:
    before = await personas.password_hash(personas.acme_dispatcher)

    await realtime.token(personas.acme_dispatcher, personas.password)

    assert await personas.password_hash(personas.acme_dispatcher) == before


async def test_a_forged_token_is_refused(realtime: RealtimeClient) -> None:
    assert (await me(realtime, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged")).status_code == 401
