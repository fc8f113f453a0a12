from django.db.models import Q, QuerySet

from waybill_django.notifications.models import (
    SUBSCRIBED_BY_DEFAULT,
    NotificationSubscription,
    OrganizationNotificationSettings,
)
from waybill_django.organizations.models import Membership, Organization


def notification_settings_for(*, organization: Organization) -> OrganizationNotificationSettings:
    """The organization's settings; an unsaved row with the defaults until someone changes them."""
    found = OrganizationNotificationSettings.objects.in_organization(organization).first()
    return found or OrganizationNotificationSettings(organization=organization)


def membership_is_subscribed(*, membership: Membership) -> bool:
    choice = NotificationSubscription.objects.filter(membership=membership).first()
    if choice is None:
        return membership.role in SUBSCRIBED_BY_DEFAULT
    return choice.subscribed


def notification_subscribers(*, organization: Organization | int) -> QuerySet[Membership]:
    """Members who receive shipment emails: active users, subscribed by choice or by their role's default."""
    return (
        Membership.objects.in_organization(organization)
        .filter(user__is_active=True)
        .filter(
            Q(notification_subscription__subscribed=True)
            | Q(notification_subscription__isnull=True, role__in=SUBSCRIBED_BY_DEFAULT)
        )
        .select_related("user")
        .order_by("user__email")
    )
