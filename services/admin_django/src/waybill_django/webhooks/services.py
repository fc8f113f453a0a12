"""Outgoing webhooks: endpoints, one delivery per event and endpoint, signed attempts.

Delivery is at least once. An attempt holds its delivery's row lock while it
sends, so two tasks never send the same delivery at once; a worker killed
after the receiver answered but before the commit sends it again, under the
same ``webhook-id``, which receivers use to deduplicate.

Retries are scheduled in the database (``next_attempt_at``) and enqueued by
the periodic dispatcher, not as Celery countdowns: a countdown of hours
would sit unacknowledged in a worker and the Redis broker would hand it out
again after its visibility timeout.
"""

import json
import logging
import random
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import httpx
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from waybill_contracts.enums import Role
from waybill_contracts.events import WEBHOOK_EVENT_TYPES, Event
from waybill_contracts.tasks import DELIVER_WEBHOOK, WebhookAttempt
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.errors import Conflict
from waybill_django.core.task_queue import task_enqueue
from waybill_django.core.transactions import unit_of_work
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.webhooks.conf import WebhookSettings, webhook_settings
from waybill_django.webhooks.models import DeliveryState, WebhookAttemptLog, WebhookDelivery, WebhookEndpoint
from waybill_django.webhooks.signing import signature_headers
from waybill_django.webhooks.targets import TargetRefused, check_url, resolve_target

logger = logging.getLogger(__name__)

RESPONSE_EXCERPT_BYTES = 1024
DISPATCH_BATCH_SIZE = 500


@unit_of_work()
def webhook_endpoint_create(
    *,
    organization: Organization,
    actor: User,
    url: str,
    event_types: Iterable[str] = (),
    description: str = "",
) -> WebhookEndpoint:
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_API_TOKENS)
    config = webhook_settings()
    try:
        check_url(url, https_443_only=config.https_443_only)
        if not config.allow_private_targets:
            resolve_target(url, allow_private=False, https_443_only=config.https_443_only)
    except TargetRefused as error:
        raise ValidationError({"url": str(error)}) from error
    unknown = sorted(set(event_types) - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise ValidationError({"event_types": f"Webhooks do not carry {', '.join(unknown)}."})
    endpoint = WebhookEndpoint(
        organization=organization,
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        created_by=actor,
    )
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        action=AuditAction.WEBHOOK_ENDPOINT_CREATED, target=endpoint, actor=actor, organization=organization
    )
    return endpoint


@unit_of_work()
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """Turn a disabled endpoint back on; its paused deliveries resume at once."""
    check_permission(actor=actor, organization=endpoint.organization_id, action=Action.MANAGE_API_TOKENS)
    WebhookEndpoint.unscoped.filter(pk=endpoint.pk).update(
        disabled_at=None, disabled_reason="", consecutive_failures=0
    )
    WebhookDelivery.unscoped.filter(endpoint=endpoint, state=DeliveryState.PENDING).update(
        next_attempt_at=timezone.now()
    )
    audit_record(
        action=AuditAction.WEBHOOK_ENDPOINT_ENABLED,
        target=endpoint,
        actor=actor,
        organization=endpoint.organization,
    )
    endpoint.refresh_from_db()
    return endpoint


def webhook_deliveries_create(event: Event) -> list[WebhookDelivery]:
    """Create an event's deliveries (once per subscribed endpoint), in the caller's transaction.

    The outbox relay calls it in the transaction that marks the event
    published, so the deliveries exist exactly when the event has left the
    outbox: no task stands between them that a broker could lose. Their
    first attempts are enqueued after that commit; one lost on the way is
    enqueued again by the dispatcher when its lease ends.
    """
    # The envelope the Standard Webhooks specification suggests: type, timestamp, data.
    body = json.dumps(
        {
            "type": event.type,
            "timestamp": event.occurred_at.isoformat(),
            "data": event.model_dump(mode="json"),
        },
        separators=(",", ":"),
    )
    lease_until = timezone.now() + webhook_settings().task_lease
    endpoints = WebhookEndpoint.objects.in_organization(event.organization_id).filter(
        disabled_at__isnull=True
    )
    first_attempts = []
    for endpoint in endpoints:
        if not endpoint.subscribes_to(event.type):
            continue
        delivery, _ = WebhookDelivery.unscoped.get_or_create(
            endpoint=endpoint,
            event_id=event.event_id,
            defaults={
                "organization_id": event.organization_id,
                "event_type": event.type,
                "body": body,
                "next_attempt_at": lease_until,
            },
        )
        if delivery.state == DeliveryState.PENDING and delivery.attempts == 0:
            first_attempts.append(delivery)
    _enqueue_after_commit(first_attempts)
    return first_attempts


def webhook_attempt(*, delivery_id: int, attempt: int) -> WebhookAttemptLog | None:
    """Make attempt number ``attempt`` of a delivery; None when that attempt is not due.

    Not due: the delivery finished, already made that attempt (a duplicate
    task), is being attempted by another task right now, or its endpoint is
    disabled (the delivery waits for it to be enabled again).
    """
    config = webhook_settings()
    with unit_of_work():
        delivery = (
            WebhookDelivery.unscoped.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if (
            delivery is None
            or delivery.state != DeliveryState.PENDING
            or delivery.attempts != attempt
            or not delivery.endpoint.is_enabled
        ):
            return None
        log = _send(delivery, config)
        delivery.attempts += 1
        if log.succeeded:
            delivery.state = DeliveryState.SUCCEEDED
            delivery.next_attempt_at = None
            delivery.finished_at = log.attempted_at
        elif delivery.attempts > len(config.retry_delays):
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            delivery.finished_at = log.attempted_at
        else:
            delivery.next_attempt_at = timezone.now() + _jittered(config.retry_delays[delivery.attempts - 1])
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "finished_at"])
        log.save()
        _record_endpoint_outcome(delivery.endpoint, succeeded=log.succeeded, config=config)
    return log


def webhook_attempt_abandon(*, delivery_id: int, attempt: int, reason: str) -> bool:
    """Fail a delivery whose attempt cannot be made (it kills its worker); False when not due.

    The reason is recorded as the attempt's error, so the delivery's log says
    why it stopped; the endpoint's failure count is left alone, as the
    receiver never answered.
    """
    with unit_of_work():
        delivery = (
            WebhookDelivery.unscoped.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=delivery_id, state=DeliveryState.PENDING, attempts=attempt)
            .first()
        )
        if delivery is None:
            return False
        now = timezone.now()
        delivery.attempts += 1
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = None
        delivery.finished_at = now
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "finished_at"])
        WebhookAttemptLog.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            attempted_at=now,
            duration_ms=0,
            error=reason[:500],
            succeeded=False,
        )
    logger.warning("webhook delivery %s abandoned: %s", delivery_id, reason)
    return True


def webhook_dispatch_due(*, now: datetime | None = None) -> int:
    """Enqueue the attempts that are due; returns how many."""
    now = now or timezone.now()
    with unit_of_work():
        due = list(
            WebhookDelivery.unscoped.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state=DeliveryState.PENDING,
                next_attempt_at__lte=now,
                endpoint__disabled_at__isnull=True,
            )
            .order_by("next_attempt_at")[:DISPATCH_BATCH_SIZE]
        )
        lease_until = now + webhook_settings().task_lease
        for delivery in due:
            delivery.next_attempt_at = lease_until
        WebhookDelivery.unscoped.bulk_update(due, ["next_attempt_at"])
        _enqueue_after_commit(due)
    return len(due)


@unit_of_work()
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a finished delivery again (same ``webhook-id``), continuing its retry schedule."""
    check_permission(actor=actor, organization=delivery.organization_id, action=Action.MANAGE_API_TOKENS)
    locked = WebhookDelivery.unscoped.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if not locked.endpoint.is_enabled:
        raise Conflict("The endpoint is disabled: enable it before sending again.")
    if locked.state == DeliveryState.PENDING:
        raise Conflict("This delivery is still being sent.")
    locked.state = DeliveryState.PENDING
    locked.finished_at = None
    locked.next_attempt_at = timezone.now() + webhook_settings().task_lease
    locked.save(update_fields=["state", "finished_at", "next_attempt_at"])
    audit_record(
        action=AuditAction.WEBHOOK_DELIVERY_RESENT,
        target=locked,
        actor=actor,
        organization=locked.endpoint.organization,
    )
    _enqueue_after_commit([locked])
    delivery.refresh_from_db()
    return delivery


def _send(delivery: WebhookDelivery, config: WebhookSettings) -> WebhookAttemptLog:
    attempted_at = timezone.now()
    started = time.monotonic()
    status_code: int | None = None
    excerpt = ""
    error = ""
    try:
        target = resolve_target(
            delivery.endpoint.url,
            allow_private=config.allow_private_targets,
            https_443_only=config.https_443_only,
        )
        headers = {
            "content-type": "application/json",
            "user-agent": "Waybill-Webhooks/1",
            "host": target.host_header,
            **signature_headers(
                secret=delivery.endpoint.secret,
                message_id=delivery.message_id,
                timestamp=int(time.time()),
                body=delivery.body,
            ),
        }
        with (
            httpx.Client(timeout=config.timeout_seconds, follow_redirects=False) as client,
            client.stream(
                "POST",
                target.url,
                content=delivery.body.encode(),
                headers=headers,
                extensions={"sni_hostname": target.server_name},
            ) as response,
        ):
            status_code = response.status_code
            excerpt = next(response.iter_bytes(RESPONSE_EXCERPT_BYTES), b"")[:RESPONSE_EXCERPT_BYTES].decode(
                "utf-8", errors="replace"
            )
    except TargetRefused as refused:
        error = f"refused: {refused}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    return WebhookAttemptLog(
        delivery=delivery,
        number=delivery.attempts + 1,
        attempted_at=attempted_at,
        duration_ms=round((time.monotonic() - started) * 1000),
        status_code=status_code,
        response_excerpt=excerpt,
        error=error[:500],
        succeeded=status_code is not None and 200 <= status_code < 300,
    )


def _record_endpoint_outcome(endpoint: WebhookEndpoint, *, succeeded: bool, config: WebhookSettings) -> None:
    endpoints = WebhookEndpoint.unscoped.filter(pk=endpoint.pk)
    if succeeded:
        endpoints.exclude(consecutive_failures=0).update(consecutive_failures=0)
        return
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    reason = f"{config.disable_after_failures} attempts in a row failed"
    disabled = endpoints.filter(
        disabled_at__isnull=True, consecutive_failures__gte=config.disable_after_failures
    ).update(disabled_at=timezone.now(), disabled_reason=reason)
    if disabled:
        logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
        transaction.on_commit(lambda: _tell_owners_endpoint_disabled(endpoint, reason), robust=True)


def _tell_owners_endpoint_disabled(endpoint: WebhookEndpoint, reason: str) -> None:
    recipients = list(
        Membership.objects.in_organization(endpoint.organization_id)
        .filter(role__in=[Role.OWNER, Role.ADMIN], user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if recipients:
        send_mail(
            subject=f"Webhook endpoint disabled: {endpoint.url}",
            message=(
                f"Waybill stopped sending events to {endpoint.url} because {reason}.\n"
                "Undelivered events are kept; enable the endpoint again once it answers "
                "and they will be sent.\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )


def _jittered(delay: timedelta) -> timedelta:
    # Jitter spreads the retries of many deliveries that failed together (an endpoint outage).
    return delay * random.uniform(0.9, 1.1)  # noqa: S311 - not security sensitive


def _enqueue_after_commit(deliveries: list[WebhookDelivery]) -> None:
    payloads = [WebhookAttempt(delivery_id=d.pk, attempt=d.attempts) for d in deliveries]

    def enqueue() -> None:
        for payload in payloads:
            task_enqueue(DELIVER_WEBHOOK, payload)

    transaction.on_commit(enqueue, robust=True)
