"""A domain change, its audit row and its outbox row commit together, and its event leaves only after.

These tests commit for real (``transaction=True``): what they check is what
PostgreSQL and Redis hold once the transaction ends.
"""

import json
from collections.abc import Callable
from typing import cast

import pytest
import redis
from django.db import transaction
from django.test import Client
from django.urls import reverse

from waybill_contracts.channels import org_stream_key
from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.core.transactions import NotAUnitOfWork, unit_of_work
from waybill_django.organizations.models import Invitation, Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def create(organization: Organization, actor: User) -> Shipment:
    return shipment_create(
        organization=organization,
        actor=actor,
        reference="WB-UOW-1",
        customer_email="customer@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )


def stream_types(redis_url: str, organization: Organization) -> list[str]:
    entries = redis.Redis.from_url(redis_url, decode_responses=True).xrange(org_stream_key(organization.pk))
    return [
        json.loads(fields["event"])["type"] for _, fields in cast(list[tuple[str, dict[str, str]]], entries)
    ]


def test_a_domain_function_on_its_own_has_committed_and_published_when_it_returns(
    organization: Organization, dispatcher: User, redis_url: str
) -> None:
    shipment = create(organization, dispatcher)

    assert stream_types(redis_url, organization) == ["shipment.created"]
    assert OutboxMessage.objects.get().published_at is not None
    assert Shipment.unscoped.filter(pk=shipment.pk).exists()


def test_inside_a_unit_of_work_the_event_waits_for_the_outermost_commit(
    organization: Organization, dispatcher: User, redis_url: str
) -> None:
    with unit_of_work():
        create(organization, dispatcher)
        assert stream_types(redis_url, organization) == [], "nothing leaves before the commit"
        assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 1

    assert stream_types(redis_url, organization) == ["shipment.created"]


def test_a_failure_later_in_the_unit_rolls_back_the_change_its_audit_row_and_its_outbox_row(
    organization: Organization, dispatcher: User, redis_url: str
) -> None:
    def create_then_fail() -> None:
        with unit_of_work():
            create(organization, dispatcher)
            raise Boom

    with pytest.raises(Boom):
        create_then_fail()

    assert not Shipment.unscoped.exists()
    assert not AuditLog.unscoped.exists()
    assert not OutboxMessage.objects.exists()
    assert stream_types(redis_url, organization) == []


def test_a_domain_function_inside_a_plain_atomic_block_is_refused_before_it_writes(
    organization: Organization, dispatcher: User, redis_url: str
) -> None:
    with transaction.atomic(), pytest.raises(NotAUnitOfWork):
        create(organization, dispatcher)

    assert not Shipment.unscoped.exists()
    assert stream_types(redis_url, organization) == []


def test_an_admin_save_is_one_unit_its_event_leaves_after_the_admin_commits(
    client: Client, organization: Organization, make_member: Callable[..., User], staff: User
) -> None:
    make_member(Role.OWNER)
    client.force_login(staff)
    response = client.post(
        reverse("admin:organizations_invitation_add"),
        {"organization": organization.pk, "email": "new@example.test", "role": Role.DRIVER.value},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    invitation = Invitation.unscoped.get(email="new@example.test")
    message = OutboxMessage.objects.get()
    assert message.published_at is not None
    assert AuditLog.unscoped.filter(target_id=str(invitation.pk), action="invitation.created").exists()
