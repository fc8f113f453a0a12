from collections.abc import Callable

import pytest
from django.test import Client

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def test_an_owner_invites_promotes_and_removes_members(
    client: Client, owner: User, make_member: Callable[..., User]
) -> None:
    driver = make_member(Role.DRIVER)
    client.force_login(owner)

    invited = client.post(
        "/api/v1/invitations",
        {"email": "new@example.test", "role": "viewer"},
        content_type="application/json",
    )
    assert (invited.status_code, invited.json()["role"]) == (201, "viewer")
    assert Invitation.unscoped.get().email == "new@example.test"

    membership = Membership.unscoped.get(user=driver)
    promoted = client.patch(
        f"/api/v1/members/{membership.pk}", {"role": "dispatcher"}, content_type="application/json"
    )
    assert promoted.json()["role"] == "dispatcher"
    assert client.delete(f"/api/v1/members/{membership.pk}").status_code == 204
    assert [m["email"] for m in client.get("/api/v1/members").json()] == [owner.email]


def test_the_last_owner_cannot_step_down_through_the_api(client: Client, owner: User) -> None:
    client.force_login(owner)
    membership = Membership.unscoped.get(user=owner)

    response = client.patch(
        f"/api/v1/members/{membership.pk}", {"role": "admin"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert "needs an owner" in response.json()["detail"]
    assert client.delete(f"/api/v1/members/{membership.pk}").status_code == 409


def test_a_dispatcher_cannot_invite_or_change_roles(client: Client, dispatcher: User, owner: User) -> None:
    client.force_login(dispatcher)
    invite = client.post(
        "/api/v1/invitations", {"email": "x@example.test", "role": "viewer"}, content_type="application/json"
    )
    promote = client.patch(
        f"/api/v1/members/{Membership.unscoped.get(user=dispatcher).pk}",
        {"role": "owner"},
        content_type="application/json",
    )
    assert (invite.status_code, promote.status_code) == (403, 403)
    assert Membership.unscoped.get(user=dispatcher).role == Role.DISPATCHER


def test_anyone_may_leave(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    assert client.delete(f"/api/v1/members/{Membership.unscoped.get(user=dispatcher).pk}").status_code == 204
    assert not Membership.unscoped.filter(user=dispatcher).exists()
