"""Who is working, in which organization, with which role: what every dashboard page starts from."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.core.time_zones import zone_for
from waybill_django.organizations.context import current_membership
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.permissions import Action, actor_may

P = ParamSpec("P")


@dataclass(frozen=True)
class Workspace:
    """The signed-in user and the organization they are working in (from their session)."""

    user: User
    membership: Membership

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    def may(self, action: Action | str) -> bool:
        """Whether to offer ``action``: the same answer ``check_permission`` gives when it is done."""
        return actor_may(actor=self.user, role=self.role, action=Action(action))

    @property
    def time_zone(self) -> str:
        return zone_for(user_zone=self.user.time_zone, organization_zone=self.organization.time_zone)

    @property
    def is_driver(self) -> bool:
        return self.role is Role.DRIVER


WorkspaceView = Callable[Concatenate[HttpRequest, Workspace, P], HttpResponseBase]


def workspace_view(
    action: Action = Action.VIEW_SHIPMENTS,
) -> Callable[[WorkspaceView[P]], Callable[Concatenate[HttpRequest, P], HttpResponseBase]]:
    """Sign-in required; the page works in the current organization and needs ``action`` there.

    Someone signed in without an organization goes to onboarding (create one, or
    accept an invitation from their email); a role without ``action`` gets 403.
    """

    def decorate(view: WorkspaceView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not isinstance(request.user, User) or not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = current_membership(request)
            if membership is None:
                return redirect("dashboard:welcome")
            workspace = Workspace(user=request.user, membership=membership)
            if not workspace.may(action):
                raise PermissionDenied("Your role in this organization does not allow this page.")
            # Every time on the page, and every date a form takes, is in this zone.
            with timezone.override(workspace.time_zone):
                return view(request, workspace, *args, **kwargs)

        update_wrapper(wrapper, view)
        return wrapper

    return decorate
