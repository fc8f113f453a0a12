"""Whatever ends or narrows a user's access tells every realtime replica, through the outbox, after commit."""

import json
from collections.abc import Callable
from typing import cast

import pytest
import redis
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from waybill_contracts.access import ACCESS_STREAM_KEY
from waybill_contracts.enums import Role
from waybill_contracts.signin import PER_ACCOUNT, account_failures_key
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.services import membership_change_role, membership_remove

pytestmark = pytest.mark.django_db


def access_changes(redis_url: str) -> list[dict[str, object]]:
    entries = redis.Redis.from_url(redis_url, decode_responses=True).xrange(ACCESS_STREAM_KEY)
    changes = [json.loads(fields["event"]) for _, fields in cast(list[tuple[str, dict[str, str]]], entries)]
    return [{k: change[k] for k in ("user_id", "reason", "organization_id")} for change in changes]


@pytest.fixture(autouse=True)
def _empty_access_stream(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).delete(ACCESS_STREAM_KEY)


def test_staff_deactivating_a_user_in_the_admin_revokes_their_tokens_and_tells_realtime(
    client: Client,
    staff: User,
    dispatcher: User,
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(staff)
    form = {
        "email": dispatcher.email,
        "full_name": "",
        "is_staff": "",
        "is_superuser": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{dispatcher.pk}/change/", form)

    assert response.status_code == 302, response.content
    dispatcher.refresh_from_db()
    assert not dispatcher.is_active
    assert dispatcher.token_version == 1
    assert access_changes(redis_url) == [
        {"user_id": dispatcher.pk, "reason": "user_deactivated", "organization_id": None}
    ]


def test_changing_the_password_revokes_every_token_and_tells_realtime(
    client: Client,
    dispatcher: User,
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "correct horse battery",
                "password1": "a new horse staple 42",
                "password2": "a new horse staple 42",
            },
        )

    assert response.status_code == 302, response.content
    dispatcher.refresh_from_db()
    assert dispatcher.check_password("a new horse staple 42")
    assert dispatcher.token_version == 1
    assert access_changes(redis_url) == [
        {"user_id": dispatcher.pk, "reason": "password_changed", "organization_id": None}
    ]


def test_a_role_change_and_a_removal_tell_realtime_which_organization(
    organization: Organization,
    make_member: Callable[..., User],
    redis_url: str,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    owner = make_member(Role.OWNER, "owner@acme.test")
    admin = make_member(Role.ADMIN, "admin@acme.test")
    membership = Membership.unscoped.get(user=admin, organization=organization)

    with django_capture_on_commit_callbacks(execute=True):
        membership_change_role(membership=membership, role=Role.VIEWER, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=membership, actor=owner)

    assert access_changes(redis_url) == [
        {"user_id": admin.pk, "reason": "role_changed", "organization_id": organization.pk},
        {"user_id": admin.pk, "reason": "membership_removed", "organization_id": organization.pk},
    ]


def test_nothing_is_said_before_the_commit(
    organization: Organization, make_member: Callable[..., User], redis_url: str
) -> None:
    owner = make_member(Role.OWNER, "owner@acme.test")
    admin = make_member(Role.ADMIN, "admin@acme.test")
    membership_remove(membership=Membership.unscoped.get(user=admin, organization=organization), actor=owner)

    assert access_changes(redis_url) == []


def test_failed_realtime_sign_ins_lock_the_dashboard_sign_in_too(
    client: Client, dispatcher: User, redis_url: str
) -> None:
    # What the realtime service's POST /auth/jwt/login leaves after five wrong passwords.
    redis.Redis.from_url(redis_url).set(account_failures_key(dispatcher.email), PER_ACCOUNT.failures, ex=60)

    response = client.post(
        "/accounts/login/", {"login": dispatcher.email, "password": "correct horse battery"}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_wrong_dashboard_passwords_count_in_the_shared_counter(
    client: Client, dispatcher: User, redis_url: str
) -> None:
    for _ in range(2):
        client.post("/accounts/login/", {"login": dispatcher.email, "password": "wrong"})

    assert redis.Redis.from_url(redis_url).get(account_failures_key(dispatcher.email)) == b"2"
