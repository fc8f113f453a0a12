"""The organization a signed-in person is working in, kept in their session."""

from django.http import HttpRequest

from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership
from waybill_django.organizations.selectors import membership_for

SESSION_KEY = "waybill_organization_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, else the user's first; None for someone with none."""
    user = request.user
    if not isinstance(user, User):
        return None
    chosen = request.session.get(SESSION_KEY)
    return membership_for(user=user, organization_id=chosen if isinstance(chosen, int) else None)


def switch_organization(request: HttpRequest, *, organization_id: int) -> Membership | None:
    """Work in ``organization_id`` from now on, if the user belongs to it; returns the membership or None."""
    user = request.user
    if not isinstance(user, User):
        return None
    membership = membership_for(user=user, organization_id=organization_id)
    if membership is None or membership.organization_id != organization_id:
        return None
    request.session[SESSION_KEY] = organization_id
    return membership
