from django.contrib import admin

from waybill_django.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ("event_type", "organization_id", "created_at", "published_at", "attempts")
    list_filter = ("event_type", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "event_id",
        "organization_id",
        "event_type",
        "payload",
        "created_at",
        "published_at",
        "attempts",
        "last_error",
    )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
