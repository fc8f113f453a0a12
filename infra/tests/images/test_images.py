"""What we ship is what we test: the built images, run as the manifests declare, serve a user's journey.

Everything goes through the front door on one public origin, routed by the
Ingress's own rules: sign in, create a shipment, see its event on a WebSocket,
import a CSV (stored by the Django container, read by the worker container),
the notification email, a signed webhook.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from waybill_devstack.containers import LONG_RUNNING, SERVICE_UID, Deployment, podman
from waybill_devstack.polling import wait_until

# The first test also waits for the session fixture: migrations, the demo data, five containers.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

DEMO_PASSWORD = "waybill-demo"
OWNER = "admin@demo.waybill.test"
DISPATCHER = "dispatcher@demo.waybill.test"


def browser(deployment: Deployment) -> httpx.AsyncClient:
    """A client that, as browsers do, treats http://127.0.0.1 as a secure context and sends Secure cookies."""
    client = httpx.AsyncClient(base_url=deployment.front_door.origin, timeout=20)

    async def keep_secure_cookies(response: httpx.Response) -> None:
        for cookie in client.cookies.jar:
            cookie.secure = False

    client.event_hooks["response"] = [keep_secure_cookies]
    return client


async def csrf_token(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def submit(client: httpx.AsyncClient, path: str, form: dict[str, Any], **kwargs: Any) -> httpx.Response:
    token = await csrf_token(client, path)
    return await client.post(path, data={**form, "csrfmiddlewaretoken": token}, **kwargs)


def query(deployment: Deployment, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(deployment.database_url) as connection:
        return connection.execute(sql, params).fetchall()


async def next_event(ws: ClientConnection, event_type: str, *, within: float) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "event" and message["event"]["type"] == event_type:
                event: dict[str, Any] = message["event"]
                return event


def test_the_migration_job_left_nothing_unapplied(deployment: Deployment) -> None:
    check = deployment.pod.run_to_completion(
        "migrate-check",
        deployment.specs["migrate"],
        deployment.env["migrate"],
        command=["waybill-django", "migrate", "--check"],
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("key", LONG_RUNNING)
def test_every_probe_of_every_container_passes(deployment: Deployment, key: str) -> None:
    for kind, probe in deployment.specs[key].probes.items():
        assert deployment.probe_passes(key, probe), f"{key}: {kind} fails"


@pytest.mark.parametrize("key", LONG_RUNNING)
def test_containers_run_as_the_service_user_on_a_read_only_root(deployment: Deployment, key: str) -> None:
    pod = deployment.pod
    assert pod.inspect(key, "{{.Config.User}}") == f"{SERVICE_UID}:{SERVICE_UID}"
    assert pod.inspect(key, "{{.HostConfig.ReadonlyRootfs}}") == "true"
    who = pod.exec(key, ["python3", "-c", "import os; print(os.getuid(), os.getgid())"])
    assert who.stdout.split() == [str(SERVICE_UID)] * 2
    # Paths inside the container, none of them declared writable.
    for path in ("/app/x", "/opt/venv/x", "/var/tmp/x", "/run/x"):  # noqa: S108 - paths inside the container whose writability is the point
        refused = pod.exec(key, ["python3", "-c", f"open({path!r}, 'w')"])
        assert refused.returncode != 0, f"{key} could write {path}"
        assert "Read-only file system" in refused.stderr or "Permission denied" in refused.stderr
    for path in deployment.specs[key].writable:
        allowed = pod.exec(key, ["python3", "-c", f"open({path + '/probe-write'!r}, 'w').write('x')"])
        assert allowed.returncode == 0, f"{key} cannot write its declared mount {path}: {allowed.stderr}"


def test_django_listens_where_it_is_told_without_start_errors(deployment: Deployment) -> None:
    logs = deployment.pod.logs("django")
    assert f"Listening at: http://0.0.0.0:{deployment.env['django']['DJANGO_PORT']}" in logs
    assert logs.count("Booting worker") == int(deployment.env["django"]["WEB_CONCURRENCY"])
    assert "[ERROR]" not in logs, logs[-3000:]
    assert "Control server error" not in logs


def test_realtime_runs_its_own_entry_point_as_one_process(deployment: Deployment) -> None:
    processes = deployment.pod.exec(
        "realtime",
        [
            "python3",
            "-c",
            "import os\n"
            "for pid in os.listdir('/proc'):\n"
            "    if pid.isdigit() and int(pid) != os.getpid():\n"
            "        print(open(f'/proc/{pid}/cmdline').read().replace(chr(0), ' '))",
        ],
    ).stdout.splitlines()
    # One process whatever WEB_CONCURRENCY says: the per-pod connection gauge counts every socket.
    assert len(processes) == 1, processes
    assert "waybill-realtime" in processes[0]
    lines = [line for line in deployment.pod.logs("realtime").splitlines() if line.startswith("{")]
    assert lines, "no JSON log lines"
    assert {"level", "message"} <= json.loads(lines[-1]).keys()


async def test_the_realtime_frame_limit_holds_through_the_front_door(deployment: Deployment) -> None:
    ws_url = deployment.front_door.origin.replace("http://", "ws://") + "/ws"
    async with connect(ws_url, max_size=None) as ws:
        await ws.send("x" * (1024 * 1024))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


async def test_hashed_static_files_and_leaflets_source_map_are_served(deployment: Deployment) -> None:
    manifest = deployment.pod.exec(
        "django", ["python3", "-c", "print(open('/app/staticfiles/staticfiles.json').read())"]
    )
    paths: dict[str, str] = json.loads(manifest.stdout)["paths"]
    async with browser(deployment) as client:
        script = await client.get(f"/static/{paths['dashboard/vendor/leaflet/leaflet.js']}")
        assert script.status_code == 200
        assert "immutable" in script.headers["cache-control"]
        match = re.search(r"sourceMappingURL=(\S+)", script.text)
        assert match
        source_map = await client.get(f"/static/dashboard/vendor/leaflet/{match.group(1)}")
        assert source_map.status_code == 200
        assert json.loads(source_map.text)["version"] == 3


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return expected in headers["webhook-signature"].split()


async def test_a_dispatchers_journey_through_the_public_origin(deployment: Deployment) -> None:
    (organization_id,) = query(deployment, "SELECT id FROM organizations_organization WHERE slug = 'demo'")[0]
    async with browser(deployment) as owner:
        signed_in = await submit(owner, "/accounts/login/", {"login": OWNER, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, f"sign-in failed: {signed_in.text[:2000]}"

        added = await submit(
            owner,
            "/settings/webhooks/",
            {
                "url": deployment.webhooks.url,
                "description": "image test",
                "event_types": ["shipment.created"],
            },
        )
        assert added.status_code == 302, added.text[:2000]
        # The customer hears when the shipment is booked (drafts are internal).
        chosen = await submit(
            owner,
            "/settings/notifications/",
            {
                "email_customers": "on",
                "customer_statuses": ["booked", "delivered"],
                "member_statuses": ["exception", "delivered", "cancelled"],
            },
        )
        assert chosen.status_code == 302, chosen.text[:2000]
        (secret,) = query(
            deployment, "SELECT secret FROM webhooks_webhookendpoint WHERE url = %s", deployment.webhooks.url
        )[0]

        async with httpx.AsyncClient(base_url=deployment.front_door.origin) as api:
            login = await api.post(
                "/auth/jwt/login", data={"username": DISPATCHER, "password": DEMO_PASSWORD}
            )
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            me = await api.get("/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, "/users/me did not reach the realtime service"
            assert me.json()["email"] == DISPATCHER

        ws_url = deployment.front_door.origin.replace("http://", "ws://") + "/ws"
        async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            channel = f"org:{organization_id}"
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            assert json.loads(await ws.recv()) == {"type": "subscribed", "channel": channel}

            created = await submit(
                owner,
                "/shipments/new/",
                {
                    "reference": "IMG-1",
                    "customer_name": "Image Test",
                    "customer_email": "customer@images.waybill.test",
                    "origin_address": "1 Quay",
                    "destination_address": "2 Street",
                    "parcels": "1",
                },
            )
            assert created.status_code == 302, created.text[:3000]
            event = await next_event(ws, "shipment.created", within=15)
            assert event["reference"] == "IMG-1"
            shipment_path = f"/shipments/{event['shipment_id']}/"
            moved = await owner.post(
                f"{shipment_path}move/",
                data={"to_status": "booked", "csrfmiddlewaretoken": await csrf_token(owner, shipment_path)},
            )
            assert moved.status_code in {200, 302}, moved.text[:2000]
            changed = await next_event(ws, "shipment.status_changed", within=15)
            assert (changed["reference"], changed["status"]) == ("IMG-1", "booked")

        upload = await owner.post(
            "/import/",
            data={"csrfmiddlewaretoken": await csrf_token(owner, "/import/")},
            files={
                "file": (
                    "fleet.csv",
                    b"reference,origin_address,destination_address\nIMG-CSV-1,A,B\n",
                    "text/csv",
                )
            },
        )
        assert upload.status_code == 302, upload.text[:3000]

    # The worker container read the upload that the Django container stored on the shared volume.
    wait_until(
        lambda: query(deployment, "SELECT 1 FROM shipments_shipment WHERE reference = 'IMG-CSV-1'"),
        what="the worker to import the uploaded CSV",
        timeout=60,
        interval=0.5,
    )
    assert any(path.name.endswith(".csv") for path in deployment.media_dir.rglob("*")), (
        "nothing on the volume"
    )

    def customer_email() -> bool:
        return any(
            message["To"] == "customer@images.waybill.test" and "IMG-1" in str(message["Subject"])
            for message in deployment.smtp.messages
        )

    wait_until(customer_email, what="the worker's email to the customer", timeout=60, interval=0.5)
    (message,) = [m for m in deployment.smtp.messages if m["To"] == "customer@images.waybill.test"]
    assert message["From"] == deployment.env["worker"]["DEFAULT_FROM_EMAIL"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    # The tracking link is on the public origin (SITE_URL), not the default localhost:8000.
    assert f"{deployment.front_door.origin}/t/" in body.get_content()

    wait_until(lambda: deployment.webhooks.requests, what="the signed webhook", timeout=60, interval=0.5)
    delivery = deployment.webhooks.requests[0]
    assert json.loads(delivery.body)["type"] == "shipment.created"
    assert verify_signature(secret, delivery.headers, delivery.body)
    assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 120

    routed = dict(deployment.front_door.routed)
    assert routed["/auth/jwt/login"] == routed["/ws"] == routed["/users/me"] == "waybill-realtime"
    assert routed["/import/"] == routed["/accounts/login/"] == routed["/shipments/new/"] == "waybill-django"


BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
DECIMAL = {"kB": 10**3, "MB": 10**6, "GB": 10**9, "B": 1}


def size_bytes(value: str, units: dict[str, int]) -> float:
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


@pytest.mark.parametrize("key", LONG_RUNNING)
def test_after_the_journey_every_container_fits_its_memory_request(deployment: Deployment, key: str) -> None:
    (stats,) = json.loads(podman("stats", "--no-stream", "--format", "json", deployment.pod.name(key)).stdout)
    used = size_bytes(stats["mem_usage"].split(" / ")[0], DECIMAL)
    request = size_bytes(deployment.specs[key].resources["requests"]["memory"], BINARY)
    assert used < request, f"{key} uses {used / 2**20:.0f} MiB, requests {request / 2**20:.0f} MiB"
