"""Joining a team: a styled invitation that survives sign-up, one invitation per address, revoke and resend."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.organizations.services import (
    invitation_create,
    invitation_from_token,
    invitation_send_email,
)

PASSWORD = "a long and unusual passphrase 42"


def invite(
    organization: Organization, actor: User, email: str = "newbie@example.test"
) -> tuple[Invitation, str]:
    invitation = invitation_create(organization=organization, email=email, role=Role.DRIVER, actor=actor)
    invitation_send_email(invitation_id=invitation.pk)
    match = re.search(r"https?://[^/\s]+(/invitations/\S+)", str(mail.outbox[-1].body))
    assert match
    return invitation, match.group(1)


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_a_new_person_signs_up_from_the_invitation_and_lands_back_on_it(
    client: Client, organization: Organization, members: dict[Role, User]
) -> None:
    owner = members[Role.OWNER]
    owner.full_name = "Olga Owner"
    owner.save()
    _, link = invite(organization, owner)

    page = client.get(link).content.decode()
    assert "Join Acme Freight" in page
    assert "Olga Owner invites" in page
    assert 'class="topbar"' in page  # the product's shell, not bare HTML
    assert f'href="{reverse("account_signup")}?next=/invitations/' in page
    assert "Create an account" in page

    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Nina Newbie",
            "email": "newbie@example.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    confirmed = client.post(link_in(mail.outbox[-1]))
    # Confirmed in the same browser: signed in, and back on the invitation rather than "Create your organization".
    assert confirmed["Location"] == link
    client.post(link, {"response": "accept"})
    newbie = User.objects.get(email="newbie@example.test")
    assert Membership.unscoped.get(user=newbie, organization=organization).role == Role.DRIVER
    members_page = Client()
    members_page.force_login(owner)
    listing = members_page.get(reverse("dashboard:settings_members")).content.decode()
    assert "Nina Newbie" in listing


def test_an_invitee_who_signs_in_elsewhere_finds_the_invitation_on_the_welcome_page(
    client: Client, organization: Organization, members: dict[Role, User]
) -> None:
    invitation, _ = invite(organization, members[Role.OWNER])
    newbie = User.objects.create_user("newbie@example.test", PASSWORD)
    client.force_login(newbie)
    page = client.get(reverse("dashboard:welcome")).content.decode()
    assert "You are invited" in page
    # The page signs its own link (signatures carry the second they were made): it must name this invitation.
    link = re.search(r'href="/invitations/([^/"]+)/"', page)
    assert link, page
    assert invitation_from_token(link.group(1)) == invitation


def test_inviting_the_same_address_twice_is_refused_beside_the_field(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.ADMIN])
    url = reverse("dashboard:settings_members")
    assert client.post(url, {"email": "twice@example.test", "role": "viewer"}).status_code == 302
    again = client.post(url, {"email": "Twice@Example.test", "role": "driver"})
    assert again.status_code == 400
    assert "twice@example.test is already invited" in again.content.decode()
    assert Invitation.objects.in_organization(organization).count() == 1


def test_an_admin_withdraws_an_invitation_and_its_link_stops_working(
    client: Client, members: dict[Role, User], organization: Organization
) -> None:
    invitation, link = invite(organization, members[Role.OWNER])
    admin = Client()
    admin.force_login(members[Role.ADMIN])
    page = admin.get(reverse("dashboard:settings_members")).content.decode()
    assert "Withdraw" in page
    response = admin.post(
        reverse("dashboard:settings_invitation", args=[invitation.pk]), {"action": "revoke"}
    )
    assert response["Location"] == reverse("dashboard:settings_members")
    after = admin.get(reverse("dashboard:settings_members")).content.decode()
    assert "withdrawn; its link no longer works" in after
    assert f'data-invitation-id="{invitation.pk}"' not in after
    assert client.get(link).status_code == 410
    assert AuditLog.objects.in_organization(organization).filter(action="invitation.revoked").exists()
    # Once withdrawn, the address may be invited again.
    invitation_create(
        organization=organization, email="newbie@example.test", role=Role.VIEWER, actor=members[Role.OWNER]
    )


def test_resending_emails_the_invitation_again(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    organization: Organization,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invitation, _ = invite(organization, members[Role.OWNER])
    client = signed_in(members[Role.ADMIN])
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks():
        client.post(reverse("dashboard:settings_invitation", args=[invitation.pk]), {"action": "resend"})
    invitation.refresh_from_db()
    assert invitation.sent_at is None  # the worker's send_invitation job sends it again
    assert invitation_send_email(invitation_id=invitation.pk)
    assert len(mail.outbox) == sent + 1
    assert AuditLog.objects.in_organization(organization).filter(action="invitation.resent").exists()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.VIEWER])
def test_members_without_the_right_cannot_withdraw_or_resend(
    role: Role, members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    invitation, _ = invite(organization, members[Role.OWNER])
    client = signed_in(members[role])
    url = reverse("dashboard:settings_invitation", args=[invitation.pk])
    assert client.post(url, {"action": "revoke"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.is_open


def test_the_organizations_page_is_inside_the_dashboard(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(members[Role.VIEWER]).get(reverse("organizations:list")).content.decode()
    assert 'id="live-status"' in page  # the dashboard's top bar
    assert 'aria-label="Main"' in page


def test_the_members_list_shows_each_person_once_by_name(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    viewer = members[Role.VIEWER]
    page = signed_in(members[Role.ADMIN]).get(reverse("dashboard:settings_members")).content.decode()
    row = page.split(f"{viewer.email}", 1)[1].split("</th>", 1)[0]
    assert viewer.email not in row  # no name given: the email once, not twice
    viewer.full_name = "Val Viewer"
    viewer.save()
    page = signed_in(members[Role.ADMIN]).get(reverse("dashboard:settings_members")).content.decode()
    assert "Val Viewer" in page
