from django.db.models import QuerySet

from waybill_django.organizations.models import Organization
from waybill_django.webhooks.models import WebhookAttemptLog, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.in_organization(organization)


def webhook_delivery_list(
    *, organization: Organization, endpoint_id: int | None = None
) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.in_organization(organization).select_related("endpoint")
    return deliveries.filter(endpoint_id=endpoint_id) if endpoint_id is not None else deliveries


def webhook_attempts_of(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttemptLog]:
    return WebhookAttemptLog.objects.filter(delivery=delivery).order_by("number")
