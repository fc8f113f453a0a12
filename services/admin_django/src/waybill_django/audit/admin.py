from django.contrib import admin

from waybill_django.audit.models import AuditLog
from waybill_django.core.admin import DomainModelAdmin


@admin.register(AuditLog)
class AuditLogAdmin(DomainModelAdmin[AuditLog]):
    """Read-only: the audit log records what happened and is never edited."""

    list_display = ("created_at", "action", "target_type", "target_id", "actor", "organization")
    list_filter = ("action", "target_type", "organization")
    list_select_related = ("actor", "organization")
    search_fields = ("action", "target_id", "actor__email")
    date_hierarchy = "created_at"
