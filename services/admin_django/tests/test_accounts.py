"""Sign-up, sign-in and account management through allauth, as a person in a browser meets them."""

import re
import subprocess
import sys
import time

import pytest
import redis
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse

from waybill_contracts.signin import totp_used_key
from waybill_django.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def verified_user(email: str = "jo@example.test") -> User:
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(client: Client, email: str, password: str = PASSWORD) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return str(response.get("Location") or response.status_code)


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_sign_up_requires_verifying_the_email_before_signing_in(client: Client) -> None:
    assert "Your name" in client.get("/accounts/signup/").content.decode()
    response = client.post(
        "/accounts/signup/",
        {"full_name": "Nia New", "email": "new@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.get(email="new@example.test").full_name == "Nia New"
    assert sign_in(Client(), "new@example.test") == "/accounts/confirm-email/"

    [message] = mail.outbox
    assert str(message.body).startswith("Hello from Waybill!")  # not "Hello from testserver!"
    confirm = link_in(message)
    confirmed = client.post(confirm)

    assert EmailAddress.objects.get(email="new@example.test").verified
    # Confirmed in the browser that signed up: signed in at once, no second sign-in.
    assert confirmed["Location"] == reverse("dashboard:overview")
    assert client.get(reverse("dashboard:welcome")).status_code == 200
    assert sign_in(Client(), "new@example.test") == reverse("dashboard:overview")


def test_sign_in_does_not_tell_whether_an_email_has_an_account(client: Client) -> None:
    verified_user()
    wrong_password = client.post("/accounts/login/", {"login": "jo@example.test", "password": "nope"})
    no_account = client.post("/accounts/login/", {"login": "nobody@example.test", "password": "nope"})

    def errors(page: str) -> list[str]:
        return re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', page, re.S)

    assert wrong_password.status_code == no_account.status_code == 200
    assert errors(wrong_password.content.decode()) == errors(no_account.content.decode()) != []


def test_password_reset_answers_alike_for_known_and_unknown_addresses(client: Client) -> None:
    verified_user()
    known = client.post("/accounts/password/reset/", {"email": "jo@example.test"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])

    reset_mail = next(m for m in mail.outbox if "jo@example.test" in m.to)
    browser = Client()
    key_url = browser.get(link_in(reset_mail))["Location"]
    done = browser.post(
        key_url, {"password1": "another fine passphrase", "password2": "another fine passphrase"}
    )
    assert done.status_code == 302
    assert User.objects.get(email="jo@example.test").check_password("another fine passphrase")


def test_signing_up_with_a_taken_email_looks_like_any_sign_up(client: Client) -> None:
    verified_user()
    response = client.post(
        "/accounts/signup/",
        {"full_name": "Jo", "email": "jo@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email="jo@example.test").count() == 1


def test_the_session_is_rotated_on_sign_in(client: Client) -> None:
    verified_user()
    client.get("/accounts/login/")
    before = client.session.session_key
    sign_in(client, "jo@example.test")
    assert client.session.session_key != before


def test_repeated_failed_sign_ins_are_rate_limited(client: Client) -> None:
    verified_user()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "jo@example.test", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "jo@example.test", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


def test_a_signed_in_person_changes_their_password_and_adds_an_email(client: Client) -> None:
    user = verified_user()
    client.force_login(user)

    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "brand new passphrase", "password2": "brand new passphrase"},
    )
    client.post("/accounts/email/", {"action_add": "", "email": "jo@work.example.test"})

    user.refresh_from_db()
    assert user.check_password("brand new passphrase")
    assert not EmailAddress.objects.get(email="jo@work.example.test").verified
    assert any("jo@work.example.test" in m.to for m in mail.outbox)


def test_with_totp_the_sign_in_asks_for_a_code(client: Client) -> None:
    user = verified_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    assert sign_in(client, "jo@example.test") == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session, "not signed in before the second factor"

    code = format_hotp_value(hotp_value(secret, next(iter(_counters()))))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response["Location"] == reverse("dashboard:overview")
    assert client.session["_auth_user_id"] == str(user.pk)


def current_totp_code(secret: str) -> str:
    if time.time() % 30 > 25:  # too close to the next period for two requests to see the same code
        time.sleep(30 - time.time() % 30)
    return str(format_hotp_value(hotp_value(secret, next(iter(_counters())))))


def test_a_totp_code_accepted_here_is_used_up_for_the_realtime_sign_in_too(
    client: Client, redis_url: str
) -> None:
    user = verified_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    code = current_totp_code(secret)

    sign_in(client, "jo@example.test")
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == reverse(
        "dashboard:overview"
    )

    # The record POST /auth/jwt/login checks before it accepts a code.
    used = redis.Redis.from_url(redis_url)
    assert used.exists(totp_used_key(user.pk, code)) == 1
    assert 0 < used.ttl(totp_used_key(user.pk, code)) <= 30


def test_a_totp_code_the_realtime_sign_in_accepted_is_refused_here(client: Client, redis_url: str) -> None:
    user = verified_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    code = current_totp_code(secret)
    # What POST /auth/jwt/login leaves once it accepted the code (waybill_contracts.signin).
    redis.Redis.from_url(redis_url).set(totp_used_key(user.pk, code), "1", ex=30)

    sign_in(client, "jo@example.test")
    refused = client.post("/accounts/2fa/authenticate/", {"code": code})

    assert refused.status_code == 200, "the code page again, not a redirect into the dashboard"
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_replaces_the_authenticator_once(client: Client) -> None:
    user = verified_user()
    TOTP.activate(user, generate_totp_secret())
    code = RecoveryCodes.activate(user).get_unused_codes()[0]

    sign_in(client, "jo@example.test")
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == reverse(
        "dashboard:overview"
    )

    again = Client()
    sign_in(again, "jo@example.test")
    assert again.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200, (
        "a used code is refused"
    )


def _counters() -> list[int]:
    from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time

    return list(yield_hotp_counters_from_time())


def test_social_sign_in_is_off_until_a_provider_is_configured(client: Client) -> None:
    assert "github" not in client.get("/accounts/login/").content.decode().lower()

    script = "from waybill_django.config.settings import base; print(sorted(base.SOCIALACCOUNT_PROVIDERS))"
    env = {"DATABASE_URL": "postgresql://x@localhost/x", "REDIS_URL": "redis://localhost"}
    configured = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "GITHUB_CLIENT_ID": "id", "GITHUB_CLIENT_SECRET": "secret"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert configured.stdout.strip() == "['github']"
