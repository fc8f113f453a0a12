"""Who is calling the API, for which organization, with which role."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.models import ApiToken
from waybill_django.api.tokens import api_token_authenticate
from waybill_django.organizations.context import current_membership
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, role_allows
from waybill_django.organizations.selectors import membership_role


@dataclass(frozen=True)
class Principal:
    user: User
    organization: Organization
    role: Role
    token: ApiToken | None = None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer wbt_…``: acts as the token's creator, in the token's organization."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        api_token = api_token_authenticate(secret=token)
        if api_token is None or not api_token.created_by.is_active:
            return None
        role = membership_role(user=api_token.created_by, organization=api_token.organization)
        if role is None:
            return None
        return Principal(api_token.created_by, api_token.organization, role, api_token)


class OrganizationSessionAuth(SessionAuth):
    """The dashboard's own calls: the signed-in user, in their current organization (CSRF checked)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF guards a session that signs the request in; a request that no session signs in is
        # unauthenticated (401), not a forgery (403), as the document says.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: Any) -> Principal | None:
        user = request.user
        if not isinstance(user, User) or not user.is_active:
            return None
        membership = current_membership(request)
        if membership is None:
            return None
        return Principal(user, membership.organization, Role(membership.role))


def principal_of(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    assert isinstance(principal, Principal)
    return principal


def require(principal: Principal, action: Action) -> None:
    """Refuse reads the role does not allow; writes are checked again by the domain functions."""
    if not role_allows(principal.role, action):
        raise PermissionDenied("Your role in this organization does not allow this.")
