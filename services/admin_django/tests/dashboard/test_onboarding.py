"""Someone signed in without an organization creates their first one."""

from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership


def test_a_newcomer_creates_their_organization_and_lands_on_the_overview(client: Client, db: None) -> None:
    newcomer = User.objects.create_user("new@person.test", "correct horse battery")
    client.force_login(newcomer)
    assert client.get(reverse("dashboard:overview"))["Location"] == reverse("dashboard:welcome")
    assert client.get(reverse("dashboard:welcome")).status_code == 200

    refused = client.post(reverse("dashboard:welcome"), {"name": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()

    response = client.post(reverse("dashboard:welcome"), {"name": "Fresh Freight"})
    assert response["Location"] == reverse("dashboard:overview")
    membership = Membership.unscoped.get(user=newcomer)
    assert (membership.organization.name, membership.role) == ("Fresh Freight", Role.OWNER)
    assert client.get(reverse("dashboard:overview")).status_code == 200


def test_a_member_visiting_the_welcome_page_goes_to_the_overview(
    client: Client, members: dict[Role, User]
) -> None:
    client.force_login(members[Role.VIEWER])
    assert client.get(reverse("dashboard:welcome"))["Location"] == reverse("dashboard:overview")


def test_the_welcome_page_needs_sign_in(client: Client, db: None) -> None:
    assert client.get(reverse("dashboard:welcome"))["Location"].startswith(reverse("account_login"))
