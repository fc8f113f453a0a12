from collections.abc import Callable

import pytest
from django.test import Client, override_settings

from waybill_django.core.redis_client import get_redis

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_runs(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_and_redis_answer(client: Client, redis_url: str) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_says_which_backend_is_unreachable(client: Client, free_port: Callable[[], int]) -> None:
    get_redis.cache_clear()
    try:
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
            response = client.get("/readyz")
    finally:
        get_redis.cache_clear()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")
