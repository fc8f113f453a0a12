"""Who is emailed about a shipment's event: the customer and the subscribed members, as the organization chose."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.notifications import services
from waybill_django.notifications.models import Notification
from waybill_django.notifications.selectors import membership_is_subscribed, notification_settings_for
from waybill_django.notifications.services import (
    notification_send_for_shipment_event,
    notification_settings_update,
    notification_subscription_set,
)
from waybill_django.organizations.models import Membership, Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition

pytestmark = pytest.mark.django_db

S = ShipmentStatus


@pytest.fixture
def team(make_member: Callable[..., User]) -> dict[Role, User]:
    return {role: make_member(role) for role in Role}


@pytest.fixture
def shipment(organization: Organization, team: dict[Role, User]) -> Shipment:
    return shipment_create(
        organization=organization,
        actor=team[Role.DISPATCHER],
        reference="WB-9",
        customer_email="customer@example.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )


def move(shipment: Shipment, to_status: ShipmentStatus, actor: User) -> Shipment:
    return shipment_transition(shipment=shipment, to_status=to_status, actor=actor, reason="Customer asked")


def notify_latest(shipment: Shipment) -> list[str]:
    """Run the notification of the shipment's latest event; the addresses emailed, sorted."""
    mail.outbox.clear()
    event = OutboxMessage.objects.filter(payload__shipment_id=shipment.pk).order_by("created_at").last()
    assert event is not None
    notification_send_for_shipment_event(event_id=event.event_id, shipment_id=shipment.pk)
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_draft_and_internal_states_email_nobody_by_default(
    shipment: Shipment, team: dict[Role, User]
) -> None:
    assert notify_latest(shipment) == []  # the draft
    move(shipment, S.BOOKED, team[Role.DISPATCHER])
    assert notify_latest(shipment) == []


def test_the_customer_hears_of_pickup_delivery_and_problems_with_a_tracking_link(
    shipment: Shipment, team: dict[Role, User], organization: Organization, settings: object
) -> None:
    from waybill_django.fleet.models import Vehicle

    settings.SITE_URL = "https://waybill.example"  # type: ignore[attr-defined]
    truck = Vehicle.unscoped.create(organization=organization, plate="T-1", driver=team[Role.DRIVER])
    dispatcher = team[Role.DISPATCHER]
    move(shipment, S.BOOKED, dispatcher)
    shipment = shipment_transition(shipment=shipment, to_status=S.ASSIGNED, actor=dispatcher, vehicle=truck)
    assert "customer@example.test" not in notify_latest(shipment)
    move(shipment, S.PICKED_UP, dispatcher)
    assert "customer@example.test" in notify_latest(shipment)
    [customer_email] = [m for m in mail.outbox if m.to == ["customer@example.test"]]
    link = f"https://waybill.example/t/{shipment.tracking_code}"
    assert link in customer_email.body
    html, _ = customer_email.alternatives[0]  # type: ignore[attr-defined]
    assert f'href="{link}"' in str(html)
    move(shipment, S.IN_TRANSIT, dispatcher)
    assert "customer@example.test" in notify_latest(shipment)


def test_the_organization_chooses_the_customers_statuses(
    shipment: Shipment, team: dict[Role, User], organization: Organization
) -> None:
    notification_settings_update(
        organization=organization,
        actor=team[Role.ADMIN],
        email_customers=True,
        member_statuses=[],
        customer_statuses=[S.BOOKED],
    )
    move(shipment, S.BOOKED, team[Role.DISPATCHER])
    assert notify_latest(shipment) == ["customer@example.test"]
    with pytest.raises(ValidationError, match="never emailed about drafts"):
        notification_settings_update(
            organization=organization,
            actor=team[Role.ADMIN],
            email_customers=True,
            member_statuses=[],
            customer_statuses=[S.DRAFT],
        )


def test_a_cancellation_emails_owners_admins_and_dispatchers(
    shipment: Shipment, team: dict[Role, User]
) -> None:
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])

    assert notify_latest(shipment) == [
        "admin@acme.test",
        "dispatcher@acme.test",
        "owner@acme.test",
    ]
    member_email = next(m for m in mail.outbox if m.to == ["owner@acme.test"])
    assert member_email.subject == "Shipment WB-9: cancelled"
    assert f"/shipments/{shipment.pk}/" in member_email.body
    assert "Reason: Customer asked" in member_email.body
    html, mimetype = member_email.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert f"/shipments/{shipment.pk}/" in str(html)


def test_the_link_to_the_shipment_starts_with_the_site_url(
    shipment: Shipment, team: dict[Role, User], settings: object
) -> None:
    settings.SITE_URL = "https://waybill.example"  # type: ignore[attr-defined]
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    notify_latest(shipment)
    member_email = next(m for m in mail.outbox if m.to == ["owner@acme.test"])
    assert f"https://waybill.example/shipments/{shipment.pk}/" in member_email.body


def test_members_are_emailed_for_the_statuses_the_organization_chose(
    shipment: Shipment, team: dict[Role, User], organization: Organization
) -> None:
    notification_settings_update(
        organization=organization,
        actor=team[Role.ADMIN],
        email_customers=True,
        member_statuses=[S.BOOKED],
    )
    move(shipment, S.BOOKED, team[Role.DISPATCHER])
    assert "owner@acme.test" in notify_latest(shipment)
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    assert notify_latest(shipment) == []  # nor the customer: cancelled is not among their default statuses


def test_customer_emails_can_be_turned_off(
    shipment: Shipment, team: dict[Role, User], organization: Organization
) -> None:
    notification_settings_update(
        organization=organization,
        actor=team[Role.OWNER],
        email_customers=False,
        member_statuses=[S.CANCELLED],
    )
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    assert "customer@example.test" not in notify_latest(shipment)
    assert "owner@acme.test" in [n.recipient for n in Notification.objects.filter(shipment=shipment)]


def test_an_unsubscribed_member_is_not_emailed_and_a_subscribed_viewer_is(
    shipment: Shipment, team: dict[Role, User]
) -> None:
    dispatcher = Membership.unscoped.get(user=team[Role.DISPATCHER])
    viewer = Membership.unscoped.get(user=team[Role.VIEWER])
    notification_subscription_set(membership=dispatcher, subscribed=False, actor=team[Role.DISPATCHER])
    notification_subscription_set(membership=viewer, subscribed=True, actor=team[Role.VIEWER])

    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    emailed = notify_latest(shipment)

    assert "dispatcher@acme.test" not in emailed
    assert "viewer@acme.test" in emailed
    assert "driver@acme.test" not in emailed


def test_a_deactivated_user_is_not_emailed(shipment: Shipment, team: dict[Role, User]) -> None:
    team[Role.ADMIN].is_active = False
    team[Role.ADMIN].save(update_fields=["is_active"])
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    assert "admin@acme.test" not in notify_latest(shipment)


def test_members_of_another_organization_are_not_emailed(
    shipment: Shipment,
    team: dict[Role, User],
    make_member: Callable[..., User],
    other_organization: Organization,
) -> None:
    make_member(Role.OWNER, email="owner@other.test", org=other_organization)
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    assert "owner@other.test" not in notify_latest(shipment)


def test_running_the_notification_again_sends_nothing_more(
    shipment: Shipment, team: dict[Role, User]
) -> None:
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])
    first = notify_latest(shipment)
    assert len(first) == 3
    assert notify_latest(shipment) == []
    assert Notification.objects.filter(shipment=shipment, subject="Shipment WB-9: cancelled").count() == 3


def test_a_member_who_is_also_the_customer_gets_one_email(
    organization: Organization, team: dict[Role, User]
) -> None:
    shipment = shipment_create(
        organization=organization,
        actor=team[Role.OWNER],
        reference="WB-10",
        customer_email="owner@acme.test",
        origin_address="1 Quay",
        destination_address="2 Street",
    )
    move(shipment, S.CANCELLED, team[Role.OWNER])
    assert notify_latest(shipment).count("owner@acme.test") == 1


def test_a_failed_send_is_retried_for_that_recipient_only(
    shipment: Shipment, team: dict[Role, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    move(shipment, S.CANCELLED, team[Role.DISPATCHER])

    def send_failing_for_owner(**kwargs: Any) -> int:
        if kwargs["recipient_list"] == ["owner@acme.test"]:
            raise ConnectionError("SMTP went away")
        return send_mail(**kwargs)

    monkeypatch.setattr(services, "send_mail", send_failing_for_owner)
    with pytest.raises(ConnectionError):
        notify_latest(shipment)
    monkeypatch.undo()

    retried = notify_latest(shipment)
    assert "owner@acme.test" in retried
    assert "admin@acme.test" not in retried, "already emailed before the failure"


def test_the_defaults_subscribe_owners_admins_and_dispatchers(
    organization: Organization, team: dict[Role, User]
) -> None:
    subscribed = {
        role for role in Role if membership_is_subscribed(membership=Membership.unscoped.get(user=team[role]))
    }
    assert subscribed == {Role.OWNER, Role.ADMIN, Role.DISPATCHER}
    chosen = notification_settings_for(organization=organization)
    assert chosen.email_customers is True
    assert chosen.member_statuses == ["exception", "delivered", "cancelled"]


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.DRIVER, Role.VIEWER], ids=str)
def test_only_owners_and_admins_change_the_organization_settings(
    role: Role, organization: Organization, team: dict[Role, User]
) -> None:
    with pytest.raises(PermissionDenied, match="notification settings"):
        notification_settings_update(
            organization=organization, actor=team[role], email_customers=False, member_statuses=[]
        )
    assert notification_settings_for(organization=organization).email_customers is True


def test_a_member_cannot_change_someone_elses_subscription(team: dict[Role, User]) -> None:
    dispatcher = Membership.unscoped.get(user=team[Role.DISPATCHER])
    with pytest.raises(PermissionDenied):
        notification_subscription_set(membership=dispatcher, subscribed=False, actor=team[Role.OWNER])
    assert membership_is_subscribed(membership=dispatcher)
