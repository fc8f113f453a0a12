from django.contrib import admin
from django.http import HttpRequest

from waybill_django.audit.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin[AuditLog]):
    """Read-only: the audit log records what happened and is never edited."""

    list_display = ("created_at", "action", "target_type", "target_id", "actor", "organization")
    list_filter = ("action", "target_type", "organization")
    list_select_related = ("actor", "organization")
    search_fields = ("action", "target_id", "actor__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
