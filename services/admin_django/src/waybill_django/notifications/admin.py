from django.contrib import admin

from waybill_django.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("subject", "recipient", "shipment", "sent_at")
    search_fields = ("recipient", "subject", "shipment__reference")
    date_hierarchy = "sent_at"
    readonly_fields = ("event_id", "shipment", "recipient", "subject", "sent_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
