from django.contrib import admin

from waybill_django.core.admin import DomainModelAdmin
from waybill_django.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(DomainModelAdmin[OutboxMessage]):
    """Read-only, delete included: deleting an unpublished row would lose its event."""

    list_display = ("event_type", "organization_id", "created_at", "published_at", "attempts")
    list_filter = ("event_type", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id",)
    date_hierarchy = "created_at"
