"""allauth's hooks into the account write path."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from waybill_django.accounts.services import user_set_password


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no type information
    def set_password(self, user: Any, password: str) -> None:
        # Password change, reset and set all come here: the realtime tokens of the old password must die.
        user_set_password(user=user, password=password)
