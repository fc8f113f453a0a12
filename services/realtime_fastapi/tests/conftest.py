"""Personas in a migrated database, an event publisher, and real ``waybill-realtime`` processes."""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Final

import httpx
import pytest
import redis
from redis.asyncio import Redis

from waybill_contracts.signin import FAILURES_KEY_PATTERN, TOTP_USED_PATTERN
from waybill_devstack.stack import BIN
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime

ALLOWED_ORIGIN: Final = "http://localhost:8000"
STARTUP_POLLS: Final = 150
STARTUP_POLL_SECONDS: Final = 0.1


@pytest.fixture(autouse=True)
def _no_failed_signins(redis_url: str) -> Iterator[None]:
    """The sign-in lockout counts failures per address for a minute: each test starts with none from the others."""
    yield
    with redis.Redis.from_url(redis_url) as client:
        for pattern in (FAILURES_KEY_PATTERN, TOTP_USED_PATTERN):
            for key in client.scan_iter(pattern):
                client.delete(key)


@pytest.fixture
async def personas(migrated_database_url: str) -> Personas:
    return await Personas.create(migrated_database_url)


@pytest.fixture
async def streams(redis_url: str) -> AsyncIterator[EventStreams]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    yield EventStreams(redis)
    await redis.aclose()


@pytest.fixture
def start_realtime(processes: ProcessGroup, redis_url: str, free_port: Callable[[], int]) -> StartRealtime:
    """Start a replica with ``waybill-realtime``; keyword arguments become environment variables."""
    started = 0

    def start(database_url: str, **settings: str) -> RealtimeClient:
        nonlocal started
        started += 1
        port = free_port()
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ENVIRONMENT": "test",
            "BIND_HOST": "127.0.0.1",
            "REALTIME_PORT": str(port),
            "WS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
            **{name.upper(): value for name, value in settings.items()},
        }
        popen = processes.start(f"realtime{started}", [str(BIN / "waybill-realtime")], env=env)
        client = RealtimeClient(f"http://127.0.0.1:{port}")
        for _ in range(STARTUP_POLLS):
            assert popen.poll() is None, "waybill-realtime exited during startup (its log is above)"
            try:
                if httpx.get(f"{client.http_url}/healthz", timeout=1).status_code == httpx.codes.OK:
                    return client
            except httpx.TransportError:
                pass
            time.sleep(STARTUP_POLL_SECONDS)
        raise AssertionError("waybill-realtime did not start listening in time")

    return start


@pytest.fixture
def realtime(start_realtime: StartRealtime, personas: Personas) -> RealtimeClient:
    return start_realtime(personas.database_url)
