"""``/healthz``, ``/readyz`` and ``/metrics``."""

import httpx

from waybill_realtime.client import RealtimeClient
from waybill_realtime.testing import StartRealtime


def test_a_running_replica_is_alive_and_ready(realtime: RealtimeClient) -> None:
    assert httpx.get(f"{realtime.http_url}/healthz").json() == {"status": "ok", "problems": []}
    assert httpx.get(f"{realtime.http_url}/readyz").json() == {"status": "ok", "problems": []}


def test_readiness_fails_with_the_reason_when_the_database_is_unreachable(
    start_realtime: StartRealtime,
) -> None:
    # Port 9 (discard) has no PostgreSQL behind it.
    realtime = start_realtime("postgresql://postgres@127.0.0.1:9/waybill")

    response = httpx.get(f"{realtime.http_url}/readyz", timeout=10)

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert [problem.split(":")[0] for problem in response.json()["problems"]] == ["database unreachable"]


def test_metrics_are_exposed_for_prometheus(realtime: RealtimeClient) -> None:
    response = httpx.get(f"{realtime.http_url}/metrics")

    assert response.status_code == 200
    assert "waybill_ws_open_connections" in response.text
