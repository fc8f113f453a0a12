"""The back office: platform staff only, and in production only after a second factor."""

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


def signed_in_with_mfa(request: HttpRequest) -> bool:
    """Whether this session's sign-in passed a second factor (TOTP or a recovery code)."""
    user = request.user
    if not user.is_authenticated or not is_mfa_enabled(user):
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


class WaybillAdminSite(admin.AdminSite):
    site_header = "Waybill back office"
    site_title = "Waybill"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_MFA or signed_in_with_mfa(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not settings.ADMIN_REQUIRE_MFA:
            return super().login(request, extra_context)
        # Sign-in goes through allauth, which asks for the second factor; the admin's own
        # password form would skip it.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("account_login"))
        if request.user.is_staff and not signed_in_with_mfa(request):
            messages.warning(
                request, "The back office needs two-factor authentication: set it up, then sign in again."
            )
            return HttpResponseRedirect(reverse("mfa_index"))
        return super().login(request, extra_context)
