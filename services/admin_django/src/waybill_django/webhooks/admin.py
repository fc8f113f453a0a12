from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from waybill_django.accounts.models import User
from waybill_django.core.errors import Conflict
from waybill_django.webhooks.models import WebhookAttemptLog, WebhookDelivery, WebhookEndpoint
from waybill_django.webhooks.services import webhook_delivery_resend, webhook_endpoint_enable


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("url", "organization", "event_types", "consecutive_failures", "disabled_at")
    list_filter = (("disabled_at", admin.EmptyFieldListFilter),)
    search_fields = ("url",)
    readonly_fields = ("secret", "consecutive_failures", "disabled_at", "disabled_reason", "created_by")
    actions = ("enable",)

    @admin.action(description="Enable the selected endpoints (paused deliveries resume)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        assert isinstance(request.user, User)
        for endpoint in queryset:
            webhook_endpoint_enable(endpoint=endpoint, actor=request.user)
        self.message_user(request, f"{len(queryset)} endpoint(s) enabled.")


class AttemptInline(admin.TabularInline[WebhookAttemptLog, WebhookDelivery]):
    model = WebhookAttemptLog
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "attempted_at",
        "duration_ms",
        "status_code",
        "succeeded",
        "error",
        "response_excerpt",
    )

    def has_add_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = (
        "event_type",
        "event_id",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("state", "event_type")
    search_fields = ("event_id", "endpoint__url")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    inlines = (AttemptInline,)
    actions = ("send_again",)

    @admin.action(description="Send the selected deliveries again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        assert isinstance(request.user, User)
        for delivery in queryset:
            try:
                webhook_delivery_resend(delivery=delivery, actor=request.user)
            except Conflict as refusal:
                self.message_user(request, f"{delivery}: {refusal}", level=messages.WARNING)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
