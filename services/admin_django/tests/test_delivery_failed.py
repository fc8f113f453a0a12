"""A delivery attempt failed: recorded through the domain, then emailed, streamed and sent to webhooks.

The walk-through of this feature is ``docs/adding-a-feature.md``; the
realtime side (``org:`` and ``shipment:`` channels) is held by
``test_event_consumers.py``.
"""

import json
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import EVENT_ADAPTER, ShipmentDeliveryFailed
from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.audit.models import AuditLog
from waybill_django.dashboard.selectors import public_timeline
from waybill_django.fleet.models import Vehicle
from waybill_django.notifications.services import (
    notification_send_for_shipment_event,
    notification_settings_update,
)
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.outbox.triggers import tasks_triggered_by
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.webhooks.services import webhook_deliveries_create, webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_the_road(organization: Organization, truck: Vehicle, staff: User) -> Shipment:
    notification_settings_update(
        organization=organization, actor=staff, email_customers=True, member_statuses=[]
    )
    return Shipment.unscoped.create(
        organization=organization,
        reference="DF-1",
        customer_email="customer@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
        status=ShipmentStatus.IN_TRANSIT,
        vehicle=truck,
    )


def test_the_driver_records_a_failed_attempt_and_the_customer_is_told_why(
    client: Client, driver: User, on_the_road: Shipment, staff: User, redis_url: str
) -> None:
    endpoint = webhook_endpoint_create(
        organization=on_the_road.organization,
        actor=staff,
        url="https://hooks.example.test/waybill",
        event_types=["shipment.delivery_failed"],
    )
    client.force_login(driver)
    detail = client.get(f"/shipments/{on_the_road.pk}/").content.decode()
    assert "Delivery failed" in detail

    response = client.post(
        f"/shipments/{on_the_road.pk}/delivery-failed/", {"reason": "Nobody answered the door"}
    )

    assert response.status_code == 302
    on_the_road.refresh_from_db()
    assert on_the_road.status == ShipmentStatus.IN_TRANSIT
    entry = TrackingEvent.unscoped.get(shipment=on_the_road)
    assert (entry.note, entry.actor) == ("Delivery attempt failed: Nobody answered the door", driver)
    assert AuditLog.unscoped.filter(action="shipment.delivery_failed", actor=driver).exists()
    message = OutboxMessage.objects.get()
    event = EVENT_ADAPTER.validate_python(message.payload)
    assert isinstance(event, ShipmentDeliveryFailed)
    assert (event.shipment_id, event.reason) == (on_the_road.pk, "Nobody answered the door")

    # What it sets off: the worker emails the customer; the relay writes the webhook delivery.
    assert [name for name, _ in tasks_triggered_by(event)] == [NOTIFY_SHIPMENT_EVENT]
    assert event.webhook
    notification_send_for_shipment_event(event_id=event.event_id, shipment_id=on_the_road.pk)
    (email,) = mail.outbox
    assert email.to == ["customer@example.test"]
    assert email.subject == "Shipment DF-1: we could not deliver it"
    assert "Nobody answered the door" in email.body
    (delivery,) = webhook_deliveries_create(event)
    assert delivery.endpoint == endpoint
    assert json.loads(delivery.body)["data"]["reason"] == "Nobody answered the door"

    page = client.get(f"/shipments/{on_the_road.pk}/").content.decode()
    assert "Delivery attempt failed: Nobody answered the door" in page
    # The public timeline lists status changes; the customer learned of the attempt by email.
    assert not public_timeline(shipment=on_the_road).exists()


def test_the_api_records_a_failed_attempt(
    client: Client, on_the_road: Shipment, make_member: Callable[..., User], redis_url: str
) -> None:
    _, token = api_token_create(
        organization=on_the_road.organization, actor=make_member(Role.OWNER), name="App"
    )

    response = client.post(
        f"/api/v1/shipments/{on_the_road.pk}/delivery-failures",
        data=json.dumps({"reason": "Gate locked"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "in_transit"
    assert OutboxMessage.objects.get().event_type == "shipment.delivery_failed"


@pytest.mark.parametrize(
    ("who", "status", "reason", "answer"),
    [
        ("driver", ShipmentStatus.IN_TRANSIT, "  ", 422),
        ("driver", ShipmentStatus.PICKED_UP, "Nobody in", 409),
        ("other driver", ShipmentStatus.IN_TRANSIT, "Nobody in", 403),
        ("viewer", ShipmentStatus.IN_TRANSIT, "Nobody in", 403),
    ],
)
def test_a_refused_attempt_writes_nothing_and_says_why(
    client: Client,
    on_the_road: Shipment,
    driver: User,
    make_member: Callable[..., User],
    who: str,
    status: ShipmentStatus,
    reason: str,
    answer: int,
) -> None:
    Shipment.unscoped.filter(pk=on_the_road.pk).update(status=status)
    people = {
        "driver": driver,
        "other driver": make_member(Role.DRIVER, "other@acme.test"),
        "viewer": make_member(Role.VIEWER),
    }
    client.force_login(people[who])

    response = client.post(f"/shipments/{on_the_road.pk}/delivery-failed/", {"reason": reason})

    assert response.status_code == answer
    assert not TrackingEvent.unscoped.exists()
    assert not OutboxMessage.objects.exists()
