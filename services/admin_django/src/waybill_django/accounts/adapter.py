"""allauth's hooks into the account write path and the sign-in policy shared with the realtime service."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from waybill_django.accounts.services import user_set_password
from waybill_django.accounts.signin_limits import signin_failed, signin_locked
from waybill_django.organizations.pending import pending_invitation_url


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type information
    def set_password(self, user: Any, password: str) -> None:
        # Password change, reset and set all come here: the realtime tokens of the old password must die.
        user_set_password(user=user, password=password)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Someone who opened an invitation, then signed up (and confirmed) or signed in, returns to it.
        return pending_invitation_url(request) or str(super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return pending_invitation_url(request) or str(super().get_signup_redirect_url(request))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        if signin_locked(email=_login(credentials), address=self.get_client_ip(request)):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        signin_failed(email=_login(credentials), address=self.get_client_ip(request))


def _login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")
