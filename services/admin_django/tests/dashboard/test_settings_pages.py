"""Settings: members and invitations, API tokens, webhooks: through the owning apps' services."""

import uuid
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.models import ApiToken
from waybill_django.organizations.models import Invitation, Membership, Organization
from waybill_django.webhooks.models import WebhookDelivery, WebhookEndpoint


def test_an_admin_invites_someone(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.ADMIN])
    response = client.post(
        reverse("dashboard:settings_members"), {"email": "New@Person.test", "role": "dispatcher"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.in_organization(organization).get()
    assert (invitation.email, invitation.role) == ("new@person.test", "dispatcher")
    assert "new@person.test" in client.get(reverse("dashboard:settings_members")).content.decode()


def test_inviting_a_member_again_is_a_field_error(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(members[Role.ADMIN]).post(
        reverse("dashboard:settings_members"), {"email": members[Role.VIEWER].email, "role": "viewer"}
    )
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_an_admin_is_not_offered_and_cannot_grant_the_owner_role(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.ADMIN])
    page = client.get(reverse("dashboard:settings_members")).content.decode()
    viewer = Membership.unscoped.get(user=members[Role.VIEWER])
    row = page[page.index(f'id="role-{viewer.pk}"') :].split("</select>")[0]
    assert 'value="owner"' not in row
    response = client.post(reverse("dashboard:settings_member", args=[viewer.pk]), {"role": "owner"})
    assert response.status_code == 403
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_the_last_owner_cannot_be_demoted(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    owner = Membership.unscoped.get(user=members[Role.OWNER])
    response = signed_in(members[Role.OWNER]).post(
        reverse("dashboard:settings_member", args=[owner.pk]), {"role": "admin"}
    )
    assert response.status_code == 409
    assert "needs an owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_changes_a_role_and_removes_a_member(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(members[Role.OWNER])
    viewer = Membership.unscoped.get(user=members[Role.VIEWER])
    assert (
        client.post(
            reverse("dashboard:settings_member", args=[viewer.pk]), {"role": "dispatcher"}
        ).status_code
        == 302
    )
    viewer.refresh_from_db()
    assert viewer.role == Role.DISPATCHER
    assert (
        client.post(reverse("dashboard:settings_member", args=[viewer.pk]), {"remove": "1"}).status_code
        == 302
    )
    assert not Membership.unscoped.filter(pk=viewer.pk).exists()


def test_a_dispatcher_cannot_change_roles(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    viewer = Membership.unscoped.get(user=members[Role.VIEWER])
    response = signed_in(members[Role.DISPATCHER]).post(
        reverse("dashboard:settings_member", args=[viewer.pk]), {"role": "admin"}
    )
    assert response.status_code == 403
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_a_token_is_shown_once_and_can_be_revoked(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.ADMIN])
    created = client.post(reverse("dashboard:settings_tokens"), {"name": "ERP sync"}).content.decode()
    assert 'id="new-token">wbt_' in created
    token = ApiToken.objects.in_organization(organization).get()
    assert 'id="new-token"' not in client.get(reverse("dashboard:settings_tokens")).content.decode()
    client.post(reverse("dashboard:settings_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_webhook_endpoint_is_added_and_a_failed_delivery_sent_again(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    organization: Organization,
    settings: object,
) -> None:
    client = signed_in(members[Role.OWNER])
    refused = client.post(reverse("dashboard:settings_webhooks"), {"url": "not a url"})
    assert refused.status_code == 400
    endpoint = WebhookEndpoint.unscoped.create(organization=organization, url="https://hooks.example/in")
    delivery = WebhookDelivery.unscoped.create(
        endpoint=endpoint,
        organization=organization,
        event_id=uuid.uuid4(),
        event_type="shipment.created",
        body='{"type": "shipment.created"}',
        state="failed",
    )
    page = client.get(reverse("dashboard:settings_delivery", args=[delivery.pk])).content.decode()
    assert "Send again" in page
    client.post(reverse("dashboard:settings_delivery_resend", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == "pending"


def test_a_webhook_endpoint_the_clusters_egress_cannot_reach_is_refused_in_the_form(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization, settings: Any
) -> None:
    settings.WEBHOOKS_HTTPS_443_ONLY = True  # production

    refused = signed_in(members[Role.OWNER]).post(
        reverse("dashboard:settings_webhooks"), {"url": "http://hooks.example.test:8080/in"}
    )

    assert refused.status_code == 400
    assert "must be https:// on port 443" in refused.content.decode()
    assert not WebhookEndpoint.unscoped.filter(organization=organization).exists()
