"""What the product's top bar needs: one navigation for the dashboard and the account pages."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from waybill_django.accounts.models import User
from waybill_django.dashboard.access import Workspace
from waybill_django.organizations.context import current_membership
from waybill_django.organizations.permissions import Action
from waybill_django.organizations.selectors import memberships_of


def _settings_url(workspace: Workspace) -> str:
    if workspace.may(Action.MANAGE_MEMBERS):
        return reverse("dashboard:settings_members")
    if workspace.may(Action.MANAGE_API_TOKENS):
        return reverse("dashboard:settings_tokens")
    return reverse("dashboard:settings_notifications")


def settings_tabs(workspace: Workspace) -> dict[str, object]:
    """Which tabs of the settings pages ``workspace``'s role sees."""
    return {
        "may_members": workspace.may(Action.MANAGE_MEMBERS),
        "may_tokens": workspace.may(Action.MANAGE_API_TOKENS),
        "may_owners": workspace.may(Action.MANAGE_OWNERS),
        "may_audit": workspace.may(Action.VIEW_AUDIT_LOG),
    }


def navigation_context(workspace: Workspace) -> dict[str, Any]:
    """The links the top bar offers ``workspace``'s role, and the organizations to switch to."""
    return {
        "workspace": workspace,
        "memberships": memberships_of(user=workspace.user),
        "may_manage": workspace.may(Action.MANAGE_SHIPMENTS),
        "may_view_vehicles": workspace.may(Action.VIEW_VEHICLES),
        "settings_url": _settings_url(workspace),
    }


def request_navigation(request: HttpRequest) -> dict[str, Any]:
    """The top bar for a page outside the dashboard's views (allauth's): empty without an organization."""
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    if membership is None:
        return {}
    return navigation_context(Workspace(user=request.user, membership=membership))
