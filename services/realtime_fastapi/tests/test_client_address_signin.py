"""Sign-in lockouts per address count the client behind the proxy, not the proxy."""

import httpx

from waybill_contracts.signin import PER_ADDRESS
from waybill_testkit.realtime import Personas, StartRealtime


async def test_behind_one_trusted_proxy_other_clients_failed_sign_ins_do_not_lock_a_user_out(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, trusted_proxy_count="1")

    async with httpx.AsyncClient(base_url=realtime.http_url) as http:

        async def login(email: str, password: str, client: str) -> int:
            form = {"username": email, "password": password}
            response = await http.post("/auth/jwt/login", data=form, headers={"X-Forwarded-For": client})
            return response.status_code

        # Every request reaches realtime from the same proxy (127.0.0.1), each client's own address appended.
        others = [
            await login(f"nobody{n}@acme.test", "guess", f"198.51.100.{n}")
            for n in range(PER_ADDRESS.failures)
        ]
        user = await login(personas.acme_dispatcher, personas.password, "203.0.113.7")

    assert others == [400] * PER_ADDRESS.failures
    assert user == 200
