"""Celery task names, queues and payloads.

Producers enqueue with ``send_task(name, kwargs=payload.model_dump(mode="json"))``;
the worker validates the kwargs back into the same model. Payloads carry ids,
never objects.
"""

from enum import StrEnum
from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Queue(StrEnum):
    DEFAULT = "default"
    WEBHOOKS = "webhooks"
    IMPORTS = "imports"
    REPORTS = "reports"


class TaskPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShipmentEventNotification(TaskPayload):
    """Tell the people concerned that a shipment was created or changed status."""

    event_id: UUID
    shipment_id: int


class InvitationEmail(TaskPayload):
    """Email an invitation its signed accept link (once; a repeat does nothing)."""

    invitation_id: int


class WebhookAttempt(TaskPayload):
    """Make delivery attempt number ``attempt`` (0-based) of a webhook delivery.

    The attempt number makes a duplicate or late task a no-op: it runs only
    while the delivery has made exactly ``attempt`` attempts.
    """

    delivery_id: int
    attempt: int


class JobRun(TaskPayload):
    """Run a queued job; ``dispatch`` numbers its enqueueings.

    A job whose task was lost (Redis down at its commit, or gone with Redis)
    is enqueued again with the next number; a task of an earlier number is
    then a no-op, so a job never runs twice at once.
    """

    job_id: UUID
    dispatch: int = 0


class ShipmentImportRun(JobRun):
    """Validate and import the uploaded CSV of a shipment import job."""


class ReportBuild(JobRun):
    """Compute a report job's figures and write its CSV."""


class RoutePlanCompute(JobRun):
    """Compute the routes of a route plan job (the day's booked shipments over the vehicles)."""


class EtaRecompute(TaskPayload):
    """Recompute a moving shipment's estimated delivery time from its vehicle's latest positions.

    Enqueued by telemetry ingest at most once per shipment per debounce window, delayed to the
    window's end so that it sees the newest position; a shipment no longer moving makes it a no-op.
    """

    shipment_id: int


class ScheduledRun(TaskPayload):
    """A run of a periodic task (beat): no arguments, the task finds its own work.

    The outbox relay, the due-webhook dispatch, the monthly reports, the stale-ETA
    refresh and the offline, late and retention sweeps all take it.
    """


NOTIFY_SHIPMENT_EVENT: Final = "waybill.notifications.notify_shipment_event"
RELAY_PENDING_OUTBOX: Final = "waybill.outbox.relay_pending"
SEND_INVITATION: Final = "waybill.organizations.send_invitation"
DELIVER_WEBHOOK: Final = "waybill.webhooks.deliver"
DISPATCH_DUE_WEBHOOKS: Final = "waybill.webhooks.dispatch_due"
REQUEUE_STALLED_JOBS: Final = "waybill.jobs.requeue_stalled"
IMPORT_SHIPMENTS: Final = "waybill.imports.import_shipments"
BUILD_REPORT: Final = "waybill.reports.build"
SCHEDULE_MONTHLY_REPORTS: Final = "waybill.reports.schedule_monthly"
COMPUTE_ROUTE_PLAN: Final = "waybill.planning.compute_route_plan"
RECOMPUTE_ETA: Final = "waybill.eta.recompute"
REFRESH_STALE_ETAS: Final = "waybill.eta.refresh_stale"
DETECT_OFFLINE_VEHICLES: Final = "waybill.fleet.detect_offline"
PRUNE_POSITIONS: Final = "waybill.fleet.prune_positions"
REPORT_LATE_SHIPMENTS: Final = "waybill.shipments.report_late"

TASK_QUEUES: Final[dict[str, Queue]] = {
    NOTIFY_SHIPMENT_EVENT: Queue.DEFAULT,
    RELAY_PENDING_OUTBOX: Queue.DEFAULT,
    SEND_INVITATION: Queue.DEFAULT,
    DELIVER_WEBHOOK: Queue.WEBHOOKS,
    DISPATCH_DUE_WEBHOOKS: Queue.WEBHOOKS,
    REQUEUE_STALLED_JOBS: Queue.DEFAULT,
    IMPORT_SHIPMENTS: Queue.IMPORTS,
    BUILD_REPORT: Queue.REPORTS,
    SCHEDULE_MONTHLY_REPORTS: Queue.REPORTS,
    # Seconds of CPU like a report, and as rare: the same queue.
    COMPUTE_ROUTE_PLAN: Queue.REPORTS,
    RECOMPUTE_ETA: Queue.DEFAULT,
    REFRESH_STALE_ETAS: Queue.DEFAULT,
    DETECT_OFFLINE_VEHICLES: Queue.DEFAULT,
    PRUNE_POSITIONS: Queue.DEFAULT,
    REPORT_LATE_SHIPMENTS: Queue.DEFAULT,
}
