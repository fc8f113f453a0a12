from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from waybill_django.core.admin import DomainAdminForm, DomainModelAdmin, ReadOnlyInline, Write, admin_actor
from waybill_django.core.errors import Conflict
from waybill_django.webhooks.models import (
    WEBHOOK_EVENT_CHOICES,
    WebhookAttemptLog,
    WebhookDelivery,
    WebhookEndpoint,
)
from waybill_django.webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_enable,
)


class WebhookEndpointForm(DomainAdminForm[WebhookEndpoint]):
    event_types = forms.MultipleChoiceField(
        choices=WEBHOOK_EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event.",
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(DomainModelAdmin[WebhookEndpoint]):
    """Endpoints are added with the dashboard's checks (the URL must reach a public host)."""

    domain_writes = {Write.ADD: webhook_endpoint_create}
    form = WebhookEndpointForm
    list_display = ("url", "organization", "event_types", "consecutive_failures", "disabled_at")
    list_filter = (("disabled_at", admin.EmptyFieldListFilter),)
    search_fields = ("url",)
    autocomplete_fields = ("organization",)
    fields = ("organization", "url", "description", "event_types")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("enable",)

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[WebhookEndpoint]) -> WebhookEndpoint:
        data = form.cleaned_data
        return webhook_endpoint_create(
            organization=data["organization"],
            actor=admin_actor(request),
            url=data["url"],
            event_types=data.get("event_types") or (),
            description=data.get("description", ""),
        )

    @admin.action(description="Enable the selected endpoints (paused deliveries resume)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhook_endpoint_enable(endpoint=endpoint, actor=admin_actor(request))
        self.message_user(request, f"{len(queryset)} endpoint(s) enabled.")


class AttemptInline(ReadOnlyInline):
    model = WebhookAttemptLog
    fields = readonly_fields = (
        "number",
        "attempted_at",
        "duration_ms",
        "status_code",
        "succeeded",
        "error",
        "response_excerpt",
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(DomainModelAdmin[WebhookDelivery]):
    """Read-only, with one action: send again (through the service, audited)."""

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
    inlines = (AttemptInline,)
    actions = ("send_again",)

    @admin.action(description="Send the selected deliveries again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            try:
                webhook_delivery_resend(delivery=delivery, actor=admin_actor(request))
            except Conflict as refusal:
                self.message_user(request, f"{delivery}: {refusal}", level=messages.WARNING)
