"""With ADMIN_REQUIRE_MFA (on in production), the back office needs a sign-in with a second factor."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client, override_settings

from waybill_django.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_member(db: None) -> User:
    user = User.objects.create_user(
        "ops@waybill.test", "a long staff passphrase", is_staff=True, is_superuser=True
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_the_admin_sends_a_stranger_to_the_allauth_sign_in(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_staff_signed_in_with_a_password_alone_are_sent_to_set_up_two_factor(
    client: Client, staff_member: User
) -> None:
    client.post("/accounts/login/", {"login": staff_member.email, "password": "a long staff passphrase"})
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    assert client.get("/admin/shipments/shipment/").status_code == 302


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_staff_signed_in_with_totp_use_the_admin(client: Client, staff_member: User) -> None:
    secret = generate_totp_secret()
    TOTP.activate(staff_member, secret)

    client.post("/accounts/login/", {"login": staff_member.email, "password": "a long staff passphrase"})
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    client.post("/accounts/2fa/authenticate/", {"code": code})

    assert client.get("/admin/shipments/shipment/").status_code == 200


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_the_admin_password_form_cannot_bypass_the_second_factor(client: Client, staff_member: User) -> None:
    client.post("/admin/login/", {"username": staff_member.email, "password": "a long staff passphrase"})
    assert client.get("/admin/shipments/shipment/").status_code == 302


def test_production_requires_two_factor_for_the_admin() -> None:
    from waybill_django.config.settings import base, local, test

    assert base.ADMIN_REQUIRE_MFA is True, "production inherits it from base"
    assert (local.ADMIN_REQUIRE_MFA, test.ADMIN_REQUIRE_MFA) == (False, False)
