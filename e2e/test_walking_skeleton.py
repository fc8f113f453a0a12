"""The thin slice through every part, as a user meets it.

A dispatcher's WebSocket client listens to the organization's channel while
a staff member creates and moves a shipment in the Django admin: the events
arrive within a second, and the Celery worker emails the customer.
"""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email
from waybill_devstack.polling import wait_until
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration

STAFF = demo_email(Role.OWNER)
DISPATCHER = demo_email(Role.DISPATCHER)


def demo_organization_id(database_url: str) -> int:
    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT id FROM organizations_organization WHERE slug = 'demo'").fetchone()
    assert row is not None
    return int(row[0])


def notifications_about(database_url: str, reference: str) -> list[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT n.subject FROM notifications_notification n"
            " JOIN shipments_shipment s ON s.id = n.shipment_id WHERE s.reference = %s ORDER BY n.sent_at",
            [reference],
        ).fetchall()
    return [str(subject) for (subject,) in rows]


def tell_customers_at(database_url: str, organization_id: int, statuses: list[str]) -> None:
    """The organization's notification settings, as its owner would choose them in the dashboard."""
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "INSERT INTO notifications_organizationnotificationsettings"
            " (organization_id, email_customers, customer_statuses, member_statuses, updated_at)"
            " VALUES (%s, true, %s, '{}', now()) ON CONFLICT (organization_id)"
            " DO UPDATE SET email_customers = true, customer_statuses = EXCLUDED.customer_statuses",
            [organization_id, statuses],
        )


class AdminSession:
    """A staff member using the Django admin through its HTML forms."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _csrf_token(self, path: str) -> str:
        page = await self.client.get(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    async def sign_in(self, email: str, password: str) -> None:
        token = await self._csrf_token("/admin/login/")
        response = await self.client.post(
            "/admin/login/?next=/admin/",
            data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302, "admin sign-in failed"

    async def submit(self, path: str, form: dict[str, str]) -> httpx.Response:
        token = await self._csrf_token(path)
        response = await self.client.post(path, data={**form, "csrfmiddlewaretoken": token})
        assert response.status_code == 302, response.text[:3000]
        return response


@pytest.fixture
async def admin(running_stack: RunningStack) -> AsyncIterator[AdminSession]:
    async with httpx.AsyncClient(base_url=running_stack.django_url, timeout=10) as client:
        session = AdminSession(client)
        await session.sign_in(STAFF, DEMO_PASSWORD)
        yield session


@pytest.fixture
async def dispatcher_socket(running_stack: RunningStack) -> AsyncIterator[ClientConnection]:
    async with httpx.AsyncClient(base_url=running_stack.realtime_url) as client:
        response = await client.post(
            "/auth/jwt/login", data={"username": DISPATCHER, "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    async with connect(
        running_stack.websocket_url, additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        assert json.loads(await ws.recv())["type"] == "ready"
        channel = f"org:{demo_organization_id(running_stack.database_url)}"
        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        assert json.loads(await ws.recv()) == {"type": "subscribed", "channel": channel}
        yield ws


async def next_event(ws: ClientConnection, event_type: str, *, within: float) -> dict[str, object]:
    """The next event of ``event_type``, skipping others (an edit also announces itself)."""
    async with asyncio.timeout(within):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "event" and message["event"]["type"] == event_type:
                event: dict[str, object] = message["event"]
                return event


async def test_a_shipment_created_and_moved_in_the_admin_reaches_the_websocket_and_the_worker(
    running_stack: RunningStack, admin: AdminSession, dispatcher_socket: ClientConnection
) -> None:
    organization_id = demo_organization_id(running_stack.database_url)
    tell_customers_at(running_stack.database_url, organization_id, ["booked", "cancelled"])
    form = {
        "organization": str(organization_id),
        "reference": "E2E-1",
        "customer_name": "End To End",
        "customer_email": "e2e@customer.waybill.test",
        "origin_address": "1 Quay",
        "destination_address": "2 Street",
    }

    await admin.submit("/admin/shipments/shipment/add/", form)
    saved_at = time.monotonic()
    created = await next_event(dispatcher_socket, "shipment.created", within=1.0)
    assert (created["type"], created["reference"], created["status"]) == (
        "shipment.created",
        "E2E-1",
        "draft",
    )
    assert time.monotonic() - saved_at < 1.0

    shipment_id = created["shipment_id"]
    await admin.submit(
        f"/admin/shipments/shipment/{shipment_id}/change/", {**form, "transition_to": "booked"}
    )
    changed = await next_event(dispatcher_socket, "shipment.status_changed", within=1.0)
    assert (changed["type"], changed["previous_status"], changed["status"]) == (
        "shipment.status_changed",
        "draft",
        "booked",
    )

    wait_until(
        lambda: notifications_about(running_stack.database_url, "E2E-1"),
        what="the worker to email the customer about the booking",
    )
    # The draft is internal: the customer hears of the booking only.
    assert notifications_about(running_stack.database_url, "E2E-1") == ["Shipment E2E-1: booked"]
