"""Reads of the api app: an organization's tokens."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from waybill_django.api.models import ApiToken
from waybill_django.organizations.models import Organization


def api_token_list(*, organization: Organization) -> QuerySet[ApiToken]:
    """The organization's tokens, revoked ones too, newest first."""
    return ApiToken.objects.in_organization(organization).select_related("created_by").order_by("-created_at")


def api_token_get(*, organization: Organization, token_id: int) -> ApiToken:
    """The organization's token, or 404 (the same answer whether it is elsewhere or nowhere)."""
    return get_object_or_404(api_token_list(organization=organization), pk=token_id)
