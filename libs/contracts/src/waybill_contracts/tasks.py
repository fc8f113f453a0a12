"""Celery task names, queues and payloads.

Producers enqueue with ``send_task(name, kwargs=payload.model_dump(mode="json"))``;
the worker validates the kwargs back into the same model. Payloads carry ids,
never objects.
"""

from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Queue:
    DEFAULT: Final = "default"
    WEBHOOKS: Final = "webhooks"
    IMPORTS: Final = "imports"
    REPORTS: Final = "reports"

    ALL: Final = (DEFAULT, WEBHOOKS, IMPORTS, REPORTS)


class TaskPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShipmentEventNotification(TaskPayload):
    """Tell the people concerned that a shipment was created or changed status."""

    event_id: UUID
    shipment_id: int


class OutboxRelay(TaskPayload):
    """Publish outbox rows left unsent (Redis was down when they committed)."""


NOTIFY_SHIPMENT_EVENT: Final = "waybill.notifications.notify_shipment_event"
RELAY_PENDING_OUTBOX: Final = "waybill.outbox.relay_pending"

TASK_QUEUES: Final[dict[str, str]] = {
    NOTIFY_SHIPMENT_EVENT: Queue.DEFAULT,
    RELAY_PENDING_OUTBOX: Queue.DEFAULT,
}
