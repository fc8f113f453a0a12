"""allauth's hooks into the account write path and the sign-in policy shared with the realtime service."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from waybill_django.accounts.services import user_set_password
from waybill_django.accounts.signin_limits import signin_failed, signin_locked


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type information
    def set_password(self, user: Any, password: str) -> None:
        # Password change, reset and set all come here: the realtime tokens of the old password must die.
        user_set_password(user=user, password=password)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        if signin_locked(email=_login(credentials), address=self.get_client_ip(request)):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        signin_failed(email=_login(credentials), address=self.get_client_ip(request))


def _login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")
