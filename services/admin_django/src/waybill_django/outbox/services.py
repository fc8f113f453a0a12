"""The transactional outbox: record events with the change, publish them after commit.

``outbox_record`` runs inside the business transaction. After commit the
relay appends each event to its organization's Redis Stream, enqueues the
tasks it triggers and writes its webhook deliveries, then marks the row
published. If Redis is down the row stays unpublished and the periodic
``outbox_relay_pending`` sends it later, so a committed change is never lost;
a crash between publishing and marking can publish an event twice, which
consumers recognise by its ``event_id``.
"""

import logging
from datetime import timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from waybill_contracts.access import ACCESS_CHANGED, ACCESS_STREAM_KEY, ACCESS_STREAM_MAXLEN, AccessChanged
from waybill_contracts.channels import STREAM_ENTRY_FIELD
from waybill_contracts.events import EVENT_ADAPTER, Event
from waybill_django.core.event_stream import stream_append
from waybill_django.core.redis_client import get_redis
from waybill_django.core.task_queue import task_enqueue
from waybill_django.core.transactions import unit_of_work
from waybill_django.outbox.models import OutboxMessage
from waybill_django.outbox.triggers import tasks_triggered_by
from waybill_django.webhooks.services import webhook_deliveries_create

logger = logging.getLogger(__name__)

# Rows younger than this are left to the after-commit relay of their own transaction.
PENDING_GRACE = timedelta(seconds=10)
RELAY_BATCH_SIZE = 500


def outbox_record(event: Event) -> OutboxMessage:
    """Write ``event`` in the current transaction and publish it once that commits."""
    message = OutboxMessage.objects.create(
        event_id=event.event_id,
        organization_id=event.organization_id,
        event_type=event.type,
        payload=event.model_dump(mode="json"),
    )
    transaction.on_commit(lambda: outbox_relay(event_ids=[event.event_id]), robust=True)
    return message


def outbox_record_access(change: AccessChanged) -> OutboxMessage:
    """Write an access change in the current transaction; after commit it goes to the access stream."""
    message = OutboxMessage.objects.create(
        event_id=change.event_id,
        # User-wide changes belong to no organization; 0 is no organization's id.
        organization_id=change.organization_id or 0,
        event_type=change.type,
        payload=change.model_dump(mode="json"),
    )
    transaction.on_commit(lambda: outbox_relay(event_ids=[change.event_id]), robust=True)
    return message


def outbox_relay(*, event_ids: list[UUID]) -> int:
    """Publish the given rows if still unpublished, and older rows left unpublished; returns how many.

    Carrying the backlog here means the first commit after Redis comes back
    publishes what waited, without depending on a worker running the
    periodic re-send.
    """
    left_behind = Q(created_at__lt=timezone.now() - PENDING_GRACE)
    return _relay(OutboxMessage.objects.filter(Q(event_id__in=event_ids) | left_behind))


def outbox_relay_pending() -> int:
    """Publish rows that the after-commit relay did not (Redis was unreachable)."""
    return _relay(OutboxMessage.objects.filter(created_at__lt=timezone.now() - PENDING_GRACE))


def _relay(candidates: QuerySet[OutboxMessage]) -> int:
    published = 0
    with unit_of_work():
        # SKIP LOCKED: a concurrent relay takes other rows instead of waiting for these.
        rows = list(
            candidates.filter(published_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("created_at")[:RELAY_BATCH_SIZE]
        )
        for row in rows:
            try:
                event = _publish_row(row)
            except Exception as error:  # noqa: BLE001 - any failure leaves the row for the next relay
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                row.save(update_fields=["attempts", "last_error"])
                logger.warning("outbox: could not publish %s: %s", row.event_id, row.last_error)
                break
            # In the transaction that marks the row published: no task a broker could lose stands
            # between an event and its webhook deliveries (a database error rolls back the batch).
            if event is not None and event.webhook:
                webhook_deliveries_create(event)
            row.attempts += 1
            row.published_at = timezone.now()
            row.last_error = ""
            row.save(update_fields=["attempts", "published_at", "last_error"])
            published += 1
    return published


def _publish_row(row: OutboxMessage) -> Event | None:
    """Send a row to Redis; returns its event (None for an access change)."""
    if row.event_type == ACCESS_CHANGED:
        change = AccessChanged.model_validate(row.payload)
        get_redis().xadd(
            ACCESS_STREAM_KEY,
            {STREAM_ENTRY_FIELD: change.model_dump_json()},
            maxlen=ACCESS_STREAM_MAXLEN,
            approximate=True,
        )
        return None
    event = EVENT_ADAPTER.validate_python(row.payload)
    stream_append(event)
    for name, payload in tasks_triggered_by(event):
        task_enqueue(name, payload)
    return event
