"""``/healthz``, ``/readyz`` and ``/metrics``."""

import io
import json

import httpx

from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import Personas, StartRealtime


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


async def test_the_sslmode_of_database_url_reaches_asyncpg_as_its_ssl_argument(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    # The same URL Django reads (psycopg takes sslmode as it is); the test server speaks no TLS.
    plain = start_realtime(f"{personas.database_url}?sslmode=disable")
    insisting = start_realtime(f"{personas.database_url}?sslmode=require")
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{plain.http_url}/readyz")).status_code == 200
        assert (await plain.login(personas.acme_dispatcher, personas.password)).status_code == 200
        response = await http.get(f"{insisting.http_url}/readyz")
    assert response.status_code == 503
    (problem,) = response.json()["problems"]
    assert problem.startswith("database unreachable: ConnectionError")
    assert "SSL" in problem


def test_a_database_url_parameter_asyncpg_refuses_makes_the_replica_not_ready_with_the_reason(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(f"{personas.database_url}?connect_timeout=5")

    response = httpx.get(f"{realtime.http_url}/readyz", timeout=10)

    assert response.status_code == 503
    (problem,) = response.json()["problems"]
    assert problem.startswith("database configuration error: TypeError")
    assert "connect_timeout" in problem


def test_metrics_are_exposed_for_prometheus(realtime: RealtimeClient) -> None:
    response = httpx.get(f"{realtime.http_url}/metrics")

    assert response.status_code == 200
    assert "waybill_ws_open_connections" in response.text


def test_logs_are_json_lines_carrying_the_request_id_which_the_response_echoes(
    realtime: RealtimeClient, processes: ProcessGroup
) -> None:
    response = httpx.get(f"{realtime.http_url}/v1/track/unknown-code", headers={"X-Request-ID": "req-42"})

    def logged() -> list[dict[str, object]]:
        transcript = processes.output
        assert isinstance(transcript, io.StringIO)
        return [
            json.loads(line[line.index("{") :])
            for line in transcript.getvalue().splitlines()
            if '"request_id": "req-42"' in line
        ]

    lines = wait_until(logged, what="the request's log line")
    assert response.headers["x-request-id"] == "req-42"
    assert {"method": "GET", "path": "/v1/track/unknown-code", "status": 404}.items() <= lines[-1].items()
