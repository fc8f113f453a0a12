"""allauth's pages in the product: one navigation, a readable recovery-codes page, a prompt that
says a recovery code works."""

from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User

PASSWORD = "a long and unusual passphrase"


def test_account_pages_carry_the_dashboards_navigation_and_no_other(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(members[Role.DISPATCHER]).get(reverse("account_email")).content.decode()
    assert page.count('<nav class="mainnav"') == 1
    assert 'aria-label="Main"' in page
    assert f'href="{reverse("dashboard:shipments")}"' in page
    assert f'href="{reverse("dashboard:dispatch")}"' in page, "the role's own links, as on the dashboard"
    assert 'aria-label="Account"' not in page, "allauth's second bar is gone"
    assert ">Connections<" not in page
    assert 'aria-controls="mainnav"' in page, "the phone menu button"


def test_a_viewer_sees_only_the_links_of_their_role_on_account_pages(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(members[Role.VIEWER]).get(reverse("account_change_password")).content.decode()
    assert f'href="{reverse("dashboard:shipments")}"' in page
    assert f'href="{reverse("dashboard:dispatch")}"' not in page


def test_the_sign_in_page_keeps_its_sign_in_and_sign_up_links(client: Client, db: None) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in page
    assert 'aria-label="Main"' not in page


def test_the_recovery_codes_page_lists_the_codes_and_separates_its_actions(
    members: dict[Role, User], client: Client
) -> None:
    owner = members[Role.OWNER]
    owner.set_password(PASSWORD)
    owner.save()
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    TOTP.activate(owner, generate_totp_secret())
    codes = RecoveryCodes.activate(owner).get_unused_codes()
    target = reverse("mfa_view_recovery_codes")
    # allauth shows the codes only to someone who just gave their password again.
    client.post(f"{reverse('account_reauthenticate')}?next={target}", {"password": PASSWORD})
    response = client.get(target)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<textarea" not in page
    assert '<ol class="recovery-codes"' in page
    for code in codes:
        assert f"<li><code>{code}</code></li>" in page
    assert f'<a class="button" href="{reverse("mfa_download_recovery_codes")}">Download codes</a>' in page
    assert (
        f'<a class="button button--ghost" href="{reverse("mfa_generate_recovery_codes")}">Generate new codes</a>'
        in page
    )
    assert "type it where the sign-in asks for the authenticator code" in page
    assert 'aria-label="Main"' in page


def test_the_second_factor_prompt_says_a_recovery_code_works(client: Client, db: None) -> None:
    user = User.objects.create_user("mfa@example.test", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "or one of your recovery codes" in page
