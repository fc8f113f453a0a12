"""A real worker process runs the notification task that a shipment change enqueues."""

import io
import json

import pytest

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT, ShipmentEventNotification
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_django.accounts.models import User
from waybill_django.core.task_queue import task_enqueue
from waybill_django.notifications.models import DEFAULT_MEMBER_STATUSES, Notification
from waybill_django.notifications.services import notification_settings_update
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition


@pytest.fixture
def shipment(transactional_db: None) -> Shipment:
    organization = Organization.objects.create(name="Acme Freight", slug="acme")
    owner = User.objects.create_user("owner@acme.test", "correct horse battery")
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    dispatcher = User.objects.create_user("dispatcher@acme.test", "correct horse battery")
    Membership.objects.create(user=dispatcher, organization=organization, role=Role.DISPATCHER)
    notification_settings_update(
        organization=organization,
        actor=owner,
        email_customers=True,
        member_statuses=DEFAULT_MEMBER_STATUSES,
        customer_statuses=[ShipmentStatus.BOOKED, ShipmentStatus.CANCELLED],
    )
    return shipment_create(
        organization=organization,
        actor=dispatcher,
        reference="WB-7",
        customer_email="customer@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )


@pytest.mark.usefixtures("worker")
def test_the_customer_is_emailed_once_at_each_chosen_status_and_never_for_a_draft(shipment: Shipment) -> None:
    actor = User.objects.get(email="dispatcher@acme.test")
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=actor)

    wait_until(lambda: Notification.objects.filter(shipment=shipment).exists(), what="the booking email")
    notifications = list(Notification.objects.filter(shipment=shipment))
    assert [(n.recipient, n.subject) for n in notifications] == [
        ("customer@example.test", "Shipment WB-7: booked")
    ]


@pytest.mark.usefixtures("worker")
def test_a_cancellation_also_emails_the_subscribed_members(shipment: Shipment) -> None:
    actor = User.objects.get(email="dispatcher@acme.test")
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.CANCELLED, actor=actor, reason="No stock")

    cancelled = Notification.objects.filter(shipment=shipment, subject="Shipment WB-7: cancelled")
    wait_until(lambda: cancelled.count() == 3, what="the cancellation emails")
    assert sorted(cancelled.values_list("recipient", flat=True)) == [
        "customer@example.test",
        "dispatcher@acme.test",
        "owner@acme.test",
    ]


@pytest.mark.usefixtures("worker")
def test_a_task_delivered_twice_sends_one_email(shipment: Shipment) -> None:
    actor = User.objects.get(email="dispatcher@acme.test")
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=actor)
    wait_until(lambda: Notification.objects.filter(shipment=shipment).exists(), what="the booking email")
    booking = Notification.objects.get(shipment=shipment)
    duplicate = ShipmentEventNotification(event_id=booking.event_id, shipment_id=shipment.pk)

    task_enqueue(NOTIFY_SHIPMENT_EVENT, duplicate)
    task_enqueue(NOTIFY_SHIPMENT_EVENT, duplicate)
    # A later event's emails prove the worker has drained the queue past the duplicates.
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.CANCELLED, actor=actor, reason="No stock")
    cancelled = Notification.objects.filter(shipment=shipment, subject="Shipment WB-7: cancelled")
    wait_until(lambda: cancelled.count() == 3, what="the cancellation emails")

    assert Notification.objects.filter(event_id=booking.event_id).count() == 1


@pytest.mark.usefixtures("worker")
def test_the_worker_logs_one_structured_line_per_job(shipment: Shipment, processes: ProcessGroup) -> None:
    transcript = processes.output
    assert isinstance(transcript, io.StringIO)
    job_lines = wait_until(
        lambda: [
            json.loads(line.split("waybill.jobs ", 1)[1])
            for line in transcript.getvalue().splitlines()
            if "waybill.jobs " in line
        ],
        what="the job log line",
    )
    assert job_lines[0]["task"] == NOTIFY_SHIPMENT_EVENT
    assert job_lines[0]["outcome"] == "succeeded"
    assert job_lines[0]["duration_ms"] >= 0
