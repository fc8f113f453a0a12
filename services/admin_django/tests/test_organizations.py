"""Onboarding, invitations, roles and switching between organizations."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from waybill_contracts.enums import Role
from waybill_contracts.tasks import SEND_INVITATION, InvitationEmail
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.organizations.services import (
    LastOwner,
    invitation_create,
    invitation_send_email,
    membership_change_role,
    membership_remove,
)
from waybill_django.outbox.triggers import tasks_triggered_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_member: Callable[..., User]) -> User:
    return make_member(Role.OWNER)


def invitation_link(invitation: Invitation) -> str:
    invitation_send_email(invitation_id=invitation.pk)
    match = re.search(r"https?://[^/\s]+(/invitations/\S+)", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def current_organization(client: Client) -> str:
    """The organization the list marks as current, with the role: "Acme (owner)"."""
    page = client.get("/organizations/").content.decode()
    match = re.search(
        r'<strong>([^<]+)</strong> <span class="role-tag role-tag--light">(\w+)</span>\s*'
        r'<span class="badge badge--delivered">Current</span>',
        page,
    )
    assert match is not None, page
    return f"{match.group(1)} ({match.group(2)})"


def test_the_creator_of_an_organization_is_its_owner_and_works_in_it(client: Client) -> None:
    user = User.objects.create_user("founder@example.test", "x")
    client.force_login(user)

    client.post("/organizations/new/", {"name": "Fresh Freight"})

    membership = Membership.unscoped.get(user=user)
    assert (membership.organization.name, membership.role) == ("Fresh Freight", Role.OWNER)
    assert current_organization(client) == "Fresh Freight (owner)"


def test_a_second_organization_is_validated_like_the_first_not_truncated(client: Client) -> None:
    """The organizations page and the welcome page apply one form (CODE-12)."""
    user = User.objects.create_user("founder@example.test", "x")
    client.force_login(user)
    client.post("/organizations/new/", {"name": "First Freight"})

    answer = client.post("/organizations/new/", {"name": "L" * 201}, follow=True)

    assert [m.organization.name for m in Membership.unscoped.filter(user=user)] == ["First Freight"]
    assert "at most 200 characters" in answer.content.decode()


def test_an_invitation_is_emailed_by_the_worker_after_commit(
    organization: Organization,
    owner: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks():
        invitation = invitation_create(
            organization=organization, email="New@Example.test", role=Role.DRIVER, actor=owner
        )

    from waybill_contracts.events import EVENT_ADAPTER
    from waybill_django.outbox.models import OutboxMessage

    event = EVENT_ADAPTER.validate_python(OutboxMessage.objects.get().payload)
    assert tasks_triggered_by(event) == [(SEND_INVITATION, InvitationEmail(invitation_id=invitation.pk))]

    assert invitation_send_email(invitation_id=invitation.pk) is True
    assert invitation_send_email(invitation_id=invitation.pk) is False, "a redelivered task sends nothing"
    [message] = mail.outbox
    assert message.to == ["new@example.test"]
    assert "Acme Freight" in message.subject


def test_the_invitee_accepts_and_becomes_a_member_with_the_role(
    client: Client, organization: Organization, owner: User
) -> None:
    invitation = invitation_create(
        organization=organization, email="new@example.test", role=Role.DRIVER, actor=owner
    )
    link = invitation_link(invitation)
    invitee = User.objects.create_user("new@example.test", "x")

    assert "Join Acme Freight" in client.get(link).content.decode()
    assert client.post(link, {"response": "accept"})["Location"].startswith("/accounts/login/")
    client.force_login(invitee)
    client.post(link, {"response": "accept"})

    assert Membership.unscoped.get(user=invitee).role == Role.DRIVER
    assert client.get(link).status_code == 410, "a used link does not work twice"


def test_someone_else_cannot_accept_an_invitation(
    client: Client, organization: Organization, owner: User
) -> None:
    link = invitation_link(
        invitation_create(organization=organization, email="new@example.test", role=Role.VIEWER, actor=owner)
    )
    client.force_login(User.objects.create_user("intruder@example.test", "x"))

    response = client.post(link, {"response": "accept"})

    assert response.status_code == 403
    assert not Membership.unscoped.filter(user__email="intruder@example.test").exists()


def test_declining_closes_the_invitation(client: Client, organization: Organization, owner: User) -> None:
    invitation = invitation_create(
        organization=organization, email="new@example.test", role=Role.VIEWER, actor=owner
    )
    link = invitation_link(invitation)

    assert "You declined" in client.post(link, {"response": "decline"}).content.decode()
    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert client.get(link).status_code == 410


def test_an_expired_or_tampered_link_is_refused(
    client: Client, organization: Organization, owner: User
) -> None:
    invitation = invitation_create(
        organization=organization, email="new@example.test", role=Role.VIEWER, actor=owner
    )
    link = invitation_link(invitation)
    assert client.get(link[:-3] + "xyz/").status_code == 410

    Invitation.unscoped.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_dispatcher_cannot_invite_and_an_admin_cannot_invite_owners(
    organization: Organization, dispatcher: User, make_member: Callable[..., User]
) -> None:
    with pytest.raises(PermissionDenied):
        invitation_create(
            organization=organization, email="a@example.test", role=Role.VIEWER, actor=dispatcher
        )
    admin = make_member(Role.ADMIN)
    with pytest.raises(PermissionDenied, match="owner role"):
        invitation_create(organization=organization, email="a@example.test", role=Role.OWNER, actor=admin)
    assert not Invitation.unscoped.exists()


def test_the_last_owner_can_neither_leave_nor_be_demoted(organization: Organization, owner: User) -> None:
    membership = Membership.unscoped.get(user=owner)
    with pytest.raises(LastOwner):
        membership_change_role(membership=membership, role=Role.ADMIN, actor=owner)
    with pytest.raises(LastOwner):
        membership_remove(membership=membership, actor=owner)
    assert Membership.unscoped.get(user=owner).role == Role.OWNER


def test_with_a_second_owner_the_first_may_step_down(
    organization: Organization, owner: User, make_member: Callable[..., User]
) -> None:
    make_member(Role.OWNER, email="co-owner@acme.test")
    membership = Membership.unscoped.get(user=owner)
    membership_change_role(membership=membership, role=Role.ADMIN, actor=owner)
    assert Membership.unscoped.get(user=owner).role == Role.ADMIN


def test_a_member_of_two_organizations_switches_between_them(
    client: Client,
    organization: Organization,
    other_organization: Organization,
    make_member: Callable[..., User],
) -> None:
    person = make_member(Role.DISPATCHER, email="both@example.test")
    Membership.objects.create(user=person, organization=other_organization, role=Role.VIEWER)
    client.force_login(person)

    # The organizations page switches through the dashboard's switch and comes back to itself.
    response = client.post(
        "/organization/switch/", {"organization_id": other_organization.pk, "next": "/organizations/"}
    )
    assert response["Location"] == "/organizations/"
    assert current_organization(client) == "Other Haulage (viewer)"

    stranger = Organization.objects.create(name="Stranger", slug="stranger")
    client.post("/organization/switch/", {"organization_id": stranger.pk})
    assert current_organization(client) == "Other Haulage (viewer)"
