from django import forms
from django.contrib import admin
from django.http import HttpRequest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.core.admin import DomainAdminForm, DomainModelAdmin, Write, admin_actor
from waybill_django.notifications.models import (
    CUSTOMER_STATUS_LABELS,
    Notification,
    NotificationSubscription,
    OrganizationNotificationSettings,
)
from waybill_django.notifications.services import notification_settings_update
from waybill_django.shipments.models import STATUS_CHOICES


@admin.register(Notification)
class NotificationAdmin(DomainModelAdmin[Notification]):
    """Read-only: the record that an email went out, which keeps it from going out twice."""

    list_display = ("subject", "recipient", "shipment", "sent_at")
    search_fields = ("recipient", "subject", "shipment__reference")
    date_hierarchy = "sent_at"


class OrganizationNotificationSettingsForm(DomainAdminForm[OrganizationNotificationSettings]):
    customer_statuses = forms.MultipleChoiceField(
        choices=[(status.value, label) for status, label in CUSTOMER_STATUS_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    member_statuses = forms.MultipleChoiceField(
        choices=STATUS_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = OrganizationNotificationSettings
        fields = ("organization", "email_customers", "customer_statuses", "member_statuses")


@admin.register(OrganizationNotificationSettings)
class OrganizationNotificationSettingsAdmin(DomainModelAdmin[OrganizationNotificationSettings]):
    domain_writes = {Write.ADD: notification_settings_update, Write.CHANGE: notification_settings_update}
    form = OrganizationNotificationSettingsForm
    list_display = ("organization", "email_customers", "member_statuses", "updated_at")
    list_filter = ("email_customers",)
    search_fields = ("organization__name", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("updated_at",)

    def domain_save(
        self, request: HttpRequest, form: DomainAdminForm[OrganizationNotificationSettings]
    ) -> OrganizationNotificationSettings:
        data = form.cleaned_data
        organization = data.get("organization") or form.instance.organization
        return notification_settings_update(
            organization=organization,
            actor=admin_actor(request),
            email_customers=data["email_customers"],
            member_statuses=[ShipmentStatus(status) for status in data["member_statuses"]],
            customer_statuses=[ShipmentStatus(status) for status in data["customer_statuses"]],
        )


@admin.register(NotificationSubscription)
class NotificationSubscriptionAdmin(DomainModelAdmin[NotificationSubscription]):
    """Read-only: a member's own choice, made in the dashboard."""

    list_display = ("member", "organization", "role", "subscribed", "updated_at")
    list_filter = ("subscribed", "membership__role", "membership__organization")
    search_fields = ("membership__user__email", "membership__organization__name")
    list_select_related = ("membership__user", "membership__organization")

    @admin.display(ordering="membership__user__email")
    def member(self, obj: NotificationSubscription) -> str:
        return obj.membership.user.email

    @admin.display(ordering="membership__organization__name")
    def organization(self, obj: NotificationSubscription) -> str:
        return obj.membership.organization.name

    @admin.display(ordering="membership__role")
    def role(self, obj: NotificationSubscription) -> str:
        return obj.membership.role
