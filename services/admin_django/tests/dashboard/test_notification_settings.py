"""Settings → Notifications: owners and admins choose who is emailed; every member chooses for themselves."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.notifications.selectors import membership_is_subscribed, notification_settings_for
from waybill_django.organizations.models import Membership, Organization

PAGE = "dashboard:settings_notifications"


def checkbox(page: str, marker: str) -> str:
    """The ``<input>`` tag of ``page`` that contains ``marker``."""
    start = page.rindex("<input", 0, page.index(marker))
    return page[start : page.index(">", start)]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN], ids=str)
def test_an_owner_or_admin_changes_who_is_emailed(
    role: Role, members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[role])
    page = client.get(reverse(PAGE)).content.decode()
    # The customer's defaults: picked up, out for delivery, delivered, exception; never a draft.
    for status in ("picked_up", "in_transit", "delivered", "exception"):
        assert "checked" in checkbox(page, f'name="customer_statuses" value="{status}"')
    assert "checked" not in checkbox(page, 'name="customer_statuses" value="booked"')
    assert 'name="customer_statuses" value="draft"' not in page
    assert "Out for delivery (in transit)" in page

    response = client.post(
        reverse(PAGE),
        {
            "email_customers": "on",
            "customer_statuses": ["delivered"],
            "member_statuses": ["exception", "delivered"],
        },
    )

    assert response.status_code == 302
    chosen = notification_settings_for(organization=organization)
    assert (chosen.email_customers, chosen.member_statuses) == (True, ["delivered", "exception"])
    assert chosen.customer_statuses == ["delivered"]
    page = client.get(reverse(PAGE)).content.decode()
    assert "The notification settings are saved." in page
    assert "checked" not in checkbox(page, 'name="member_statuses" value="cancelled"')
    assert "checked" in checkbox(page, 'name="member_statuses" value="delivered"')
    assert "checked" not in checkbox(page, 'name="customer_statuses" value="picked_up"')


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.DRIVER, Role.VIEWER], ids=str)
def test_other_roles_see_the_organization_settings_but_cannot_change_them(
    role: Role, members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[role])
    page = client.get(reverse(PAGE)).content.decode()
    assert "Owners and admins change these." in page
    assert (
        'name="email_customers" disabled' in page
        or "disabled" in page.split('name="email_customers"')[1][:80]
    )

    response = client.post(reverse(PAGE), {"member_statuses": ["booked"]})

    assert response.status_code == 403
    assert "does not allow you to change its notification settings" in response.content.decode()
    assert notification_settings_for(organization=organization).email_customers is True


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_member_turns_their_own_emails_off_and_on(
    role: Role, members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(members[role])
    membership = Membership.unscoped.get(user=members[role])

    client.post(reverse("dashboard:settings_subscription"), {"subscribed": "0"})
    assert not membership_is_subscribed(membership=membership)
    assert "You do not receive shipment emails" in client.get(reverse(PAGE)).content.decode()

    client.post(reverse("dashboard:settings_subscription"), {"subscribed": "1"})
    assert membership_is_subscribed(membership=membership)
    assert "You receive an email when a shipment" in client.get(reverse(PAGE)).content.decode()


def test_a_viewer_reaches_the_notifications_from_the_settings_link(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(members[Role.VIEWER]).get(reverse("dashboard:shipments")).content.decode()
    assert f'href="{reverse(PAGE)}"' in page
