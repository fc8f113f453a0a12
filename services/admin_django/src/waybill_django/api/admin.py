from django.contrib import admin

from waybill_django.api.models import ApiToken, IdempotencyKey
from waybill_django.core.admin import DomainModelAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(DomainModelAdmin[ApiToken]):
    """Tokens are created and revoked by their organization's owners and admins; the back office looks."""

    list_display = (
        "name",
        "prefix",
        "organization",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("organization", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("organization", "created_by")
    search_fields = ("name", "prefix", "organization__name")
    date_hierarchy = "created_at"
    exclude = ("digest",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(DomainModelAdmin[IdempotencyKey]):
    """Read-only: deleting a key would let a retried request create its object twice."""

    list_display = ("key", "endpoint", "organization", "response_status", "created_at")
    list_filter = ("organization", "endpoint")
    search_fields = ("key",)
    date_hierarchy = "created_at"
