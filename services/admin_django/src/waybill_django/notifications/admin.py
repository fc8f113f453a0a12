from django import forms
from django.contrib import admin
from django.http import HttpRequest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.notifications.models import (
    Notification,
    NotificationSubscription,
    OrganizationNotificationSettings,
)
from waybill_django.notifications.services import notification_settings_update
from waybill_django.shipments.models import STATUS_CHOICES


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


class OrganizationNotificationSettingsForm(forms.ModelForm[OrganizationNotificationSettings]):
    member_statuses = forms.MultipleChoiceField(
        choices=STATUS_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = OrganizationNotificationSettings
        fields = ("organization", "email_customers", "member_statuses")


@admin.register(OrganizationNotificationSettings)
class OrganizationNotificationSettingsAdmin(admin.ModelAdmin[OrganizationNotificationSettings]):
    form = OrganizationNotificationSettingsForm
    list_display = ("organization", "email_customers", "member_statuses", "updated_at")
    list_filter = ("email_customers",)
    search_fields = ("organization__name", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("updated_at",)

    def save_model(
        self,
        request: HttpRequest,
        obj: OrganizationNotificationSettings,
        form: forms.ModelForm[OrganizationNotificationSettings],
        change: bool,
    ) -> None:
        assert isinstance(request.user, User)
        saved = notification_settings_update(
            organization=obj.organization,
            actor=request.user,
            email_customers=obj.email_customers,
            member_statuses=[ShipmentStatus(status) for status in obj.member_statuses],
        )
        obj.pk = saved.pk


@admin.register(NotificationSubscription)
class NotificationSubscriptionAdmin(admin.ModelAdmin[NotificationSubscription]):
    list_display = ("member", "organization", "role", "subscribed", "updated_at")
    list_filter = ("subscribed", "membership__role", "membership__organization")
    search_fields = ("membership__user__email", "membership__organization__name")
    list_select_related = ("membership__user", "membership__organization")
    readonly_fields = ("membership", "subscribed", "updated_at")

    # A member's own choice: they change it in the dashboard, not staff.
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    @admin.display(ordering="membership__user__email")
    def member(self, obj: NotificationSubscription) -> str:
        return obj.membership.user.email

    @admin.display(ordering="membership__organization__name")
    def organization(self, obj: NotificationSubscription) -> str:
        return obj.membership.organization.name

    @admin.display(ordering="membership__role")
    def role(self, obj: NotificationSubscription) -> str:
        return obj.membership.role
