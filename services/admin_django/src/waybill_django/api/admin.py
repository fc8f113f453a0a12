from django.contrib import admin
from django.http import HttpRequest

from waybill_django.api.models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created by their organization's owners and admins; the back office can only look."""

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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    list_display = ("key", "endpoint", "organization", "response_status", "created_at")
    list_filter = ("organization", "endpoint")
    search_fields = ("key",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IdempotencyKey | None = None) -> bool:
        return False
