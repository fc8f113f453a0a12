"""Django served by an ASGI server (``waybill_django.config.asgi``) keeps no connection per request."""

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup

CONCURRENT = 40


def open_connections(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.integration
def test_concurrent_async_lookups_leave_no_connection_behind(
    migrated_database_url: str,
    redis_url: str,
    processes: ProcessGroup,
    free_port: Callable[[], int],
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        "DATABASE_URL": migrated_database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MEDIA_ROOT": str(tmp_path),
        "SITE_URL": "https://waybill.test",
        "DEFAULT_FROM_EMAIL": "Waybill <no-reply@waybill.test>",
        "EMAIL_URL": "smtp+plain://127.0.0.1:1025",
        "TRACK_RATE_LIMIT_PER_MINUTE": "100000",
    }
    processes.start("django-asgi", stack.django_asgi_command("127.0.0.1", port), env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: not stack.port_is_free("127.0.0.1", port), what="Django under uvicorn", timeout=60)

    async def look_up_at_once() -> list[int]:
        async with httpx.AsyncClient(
            base_url=url, headers={"X-Forwarded-Proto": "https"}, timeout=30
        ) as http:
            answers = await asyncio.gather(
                *(http.get(f"/t/NO-SUCH-CODE-{n}/status/async") for n in range(CONCURRENT))
            )
        return [answer.status_code for answer in answers]

    assert asyncio.run(look_up_at_once()) == [404] * CONCURRENT  # each one read the database

    # Each request's connection closes with it (a persistent one would stay, one per request, for a minute).
    wait_until(lambda: open_connections(migrated_database_url) == 0, what="the lookups' connections to close")
