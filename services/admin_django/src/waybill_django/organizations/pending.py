"""The invitation a visitor opened before they had an account: kept in their session through sign-up."""

from django.http import HttpRequest
from django.urls import reverse

from waybill_django.organizations.services import InvitationInvalid, invitation_from_token

_SESSION_KEY = "waybill_pending_invitation"


def remember_invitation(request: HttpRequest, token: str) -> None:
    request.session[_SESSION_KEY] = token


def forget_invitation(request: HttpRequest) -> None:
    request.session.pop(_SESSION_KEY, None)


def pending_invitation_url(request: HttpRequest) -> str | None:
    """Where to send someone who just signed up or in: back to the invitation they opened, if it is open."""
    token = request.session.get(_SESSION_KEY)
    if not isinstance(token, str):
        return None
    try:
        invitation_from_token(token)
    except InvitationInvalid:
        forget_invitation(request)
        return None
    return reverse("invitations:respond", args=[token])
