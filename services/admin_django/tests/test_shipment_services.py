import json
from collections.abc import Callable
from typing import cast

import pytest
import redis
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from pytest_django import DjangoCaptureOnCommitCallbacks

from waybill_contracts.channels import org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.tasks import NOTIFY_SHIPMENT_EVENT
from waybill_django.accounts.models import User
from waybill_django.core.redis_client import get_redis
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.outbox.services import outbox_relay_pending
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition
from waybill_django.shipments.workflow import TransitionNotAllowed

pytestmark = pytest.mark.django_db


def create(organization: Organization, actor: User, reference: str = "WB-1") -> Shipment:
    return shipment_create(
        organization=organization,
        actor=actor,
        reference=reference,
        customer_email="customer@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )


def stream_events(redis_url: str, organization: Organization) -> list[dict[str, object]]:
    entries = redis.Redis.from_url(redis_url, decode_responses=True).xrange(org_stream_key(organization.pk))
    return [json.loads(fields["event"]) for _, fields in cast(list[tuple[str, dict[str, str]]], entries)]


def queued_task_names(redis_url: str) -> list[str]:
    messages = redis.Redis.from_url(redis_url, decode_responses=True).lrange("default", 0, -1)
    return [json.loads(message)["headers"]["task"] for message in cast(list[str], messages)]


def test_creating_a_shipment_publishes_its_event_after_commit_and_enqueues_the_notification(
    organization: Organization,
    dispatcher: User,
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        shipment = create(organization, dispatcher)
        assert stream_events(redis_url, organization) == [], "nothing leaves before the commit"

    [event] = stream_events(redis_url, organization)
    assert event["type"] == "shipment.created"
    assert event["shipment_id"] == shipment.pk
    assert queued_task_names(redis_url) == [NOTIFY_SHIPMENT_EVENT]
    assert OutboxMessage.objects.get().published_at is not None


def test_a_status_change_writes_the_state_and_an_event_with_both_statuses(
    organization: Organization,
    dispatcher: User,
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    shipment = create(organization, dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=dispatcher)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED
    [event] = stream_events(redis_url, organization)
    assert (event["type"], event["previous_status"], event["status"]) == (
        "shipment.status_changed",
        "draft",
        "booked",
    )


def test_a_refused_transition_changes_nothing(organization: Organization, dispatcher: User) -> None:
    shipment = create(organization, dispatcher)

    with pytest.raises(TransitionNotAllowed, match="from draft to delivered"):
        shipment_transition(shipment=shipment, to_status=ShipmentStatus.DELIVERED, actor=dispatcher)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT
    assert OutboxMessage.objects.filter(event_type="shipment.status_changed").count() == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DRIVER])
def test_a_member_without_the_right_role_cannot_create_or_move_shipments(
    organization: Organization, dispatcher: User, make_member: Callable[..., User], role: Role
) -> None:
    member = make_member(role)
    with pytest.raises(PermissionDenied):
        create(organization, member, reference="WB-2")
    shipment = create(organization, dispatcher)
    with pytest.raises(PermissionDenied):
        shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=member)
    assert Shipment.unscoped.count() == 1


def test_a_user_of_another_organization_cannot_create_shipments_here(
    organization: Organization, make_member: Callable[..., User]
) -> None:
    elsewhere = Organization.objects.create(name="Other", slug="other")
    outsider = make_member(Role.OWNER, email="owner@other.test", org=elsewhere)
    with pytest.raises(PermissionDenied):
        create(organization, outsider)


def test_events_committed_while_redis_is_down_are_published_by_the_pending_relay(
    organization: Organization,
    dispatcher: User,
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    free_port: Callable[[], int],
) -> None:
    get_redis.cache_clear()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True):
            create(organization, dispatcher)
        get_redis.cache_clear()
    row = OutboxMessage.objects.get()
    assert row.published_at is None
    assert "ConnectionError" in row.last_error

    OutboxMessage.objects.update(created_at=row.created_at.replace(year=row.created_at.year - 1))
    assert outbox_relay_pending() == 1
    assert [event["type"] for event in stream_events(redis_url, organization)] == ["shipment.created"]
