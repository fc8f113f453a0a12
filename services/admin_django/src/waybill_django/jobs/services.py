"""The life of a job: queued, running with a percentage, then succeeded or failed.

Progress while running is written to the row and published straight to the
organization's stream: it is frequent and only the latest value matters, so
losing one (Redis briefly down) is harmless and the outbox would only add
load. The final state is recorded with the outbox in the same transaction as
the row, so a page waiting on a job always learns how it ended.

A job's task is enqueued after the job commits, under a lease: a job still
queued when its lease ends lost its task (Redis was down at the commit, or
lost the task with a restart) and ``job_requeue_stalled`` enqueues it again,
with the next dispatch number, which turns any earlier task into a no-op.
"""

import logging
import uuid
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis import RedisError

from waybill_contracts.events import JobProgress
from waybill_contracts.jobs import JobKind, JobState
from waybill_contracts.tasks import (
    BUILD_REPORT,
    COMPUTE_ROUTE_PLAN,
    IMPORT_SHIPMENTS,
    JobRun,
    ReportBuild,
    RoutePlanCompute,
    ShipmentImportRun,
)
from waybill_django.accounts.models import User
from waybill_django.core.event_stream import stream_append
from waybill_django.core.task_queue import task_enqueue
from waybill_django.core.transactions import unit_of_work
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Organization
from waybill_django.outbox.services import outbox_record

logger = logging.getLogger(__name__)

JOB_TASKS: Final[dict[JobKind, tuple[str, type[JobRun]]]] = {
    JobKind.SHIPMENT_IMPORT: (IMPORT_SHIPMENTS, ShipmentImportRun),
    JobKind.REPORT: (BUILD_REPORT, ReportBuild),
    JobKind.ROUTE_PLAN: (COMPUTE_ROUTE_PLAN, RoutePlanCompute),
}
"""The task that runs each kind of job."""

REQUEUE_BATCH_SIZE = 100


def job_create(*, organization: Organization, kind: JobKind, actor: User | None) -> Job:
    """A queued job; its task is enqueued once the caller's transaction commits."""
    job = Job.unscoped.create(
        organization=organization,
        kind=kind.value,
        created_by=actor,
        task_lease_until=_lease_end(timezone.now()),
    )
    _enqueue_after_commit(job)
    return job


def job_start(*, job_id: uuid.UUID, dispatch: int = 0) -> Job | None:
    """Mark the job running, or return None when this task is not its to run.

    Not its to run: the job finished (a repeated task), or it was enqueued
    again since (``dispatch`` is an earlier number). A job found running with
    the same number was interrupted (its worker died) and starts over.
    """
    with unit_of_work():
        job = Job.unscoped.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished or job.dispatches != dispatch:
            return None
        job.state = JobState.RUNNING.value
        job.percent = 0
        job.started_at = timezone.now()
        job.save(update_fields=["state", "percent", "started_at"])
    _publish_now(job)
    return job


def job_report_progress(*, job: Job, done: int, total: int) -> None:
    """Record and publish the percentage, only when its whole number changes."""
    percent = min(99, done * 100 // total) if total else 0
    if percent <= job.percent:
        return
    job.percent = percent
    Job.unscoped.filter(pk=job.pk).update(percent=percent)
    _publish_now(job)


@unit_of_work()
def job_succeed(*, job: Job) -> None:
    _finish(job, JobState.SUCCEEDED, error="")


@unit_of_work()
def job_fail(*, job: Job, error: str) -> None:
    _finish(job, JobState.FAILED, error=error[:5000])


def job_abandon(*, job_id: uuid.UUID, reason: str) -> bool:
    """Fail a job whose task cannot run to its end (it kills its worker); False when already finished."""
    with unit_of_work():
        job = Job.unscoped.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return False
        _finish(job, JobState.FAILED, error=reason[:5000])
    return True


def job_requeue_stalled(*, now: datetime | None = None) -> int:
    """Enqueue again the jobs still queued when their lease ended; returns how many."""
    now = now or timezone.now()
    with unit_of_work():
        stalled = list(
            Job.unscoped.select_for_update(skip_locked=True)
            .filter(state=JobState.QUEUED.value, task_lease_until__lte=now)
            .order_by("task_lease_until")[:REQUEUE_BATCH_SIZE]
        )
        for job in stalled:
            job.dispatches += 1
            job.task_lease_until = _lease_end(now)
            _enqueue_after_commit(job)
        Job.unscoped.bulk_update(stalled, ["dispatches", "task_lease_until"])
    for job in stalled:
        logger.warning("job %s (%s) was still queued after its lease: enqueued again", job.pk, job.kind)
    return len(stalled)


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.JOBS_TASK_LEASE_SECONDS)


def _enqueue_after_commit(job: Job) -> None:
    name, payload_class = JOB_TASKS[JobKind(job.kind)]
    payload = payload_class(job_id=job.pk, dispatch=job.dispatches)
    transaction.on_commit(lambda: task_enqueue(name, payload), robust=True)


def _finish(job: Job, state: JobState, *, error: str) -> None:
    job.state = state.value
    job.percent = 100 if state is JobState.SUCCEEDED else job.percent
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "percent", "error", "finished_at"])
    outbox_record(_event(job))


def _event(job: Job) -> JobProgress:
    return JobProgress(
        event_id=uuid.uuid4(),
        organization_id=job.organization_id,
        occurred_at=timezone.now(),
        job_id=job.pk,
        kind=JobKind(job.kind),
        state=JobState(job.state),
        percent=job.percent,
        error=job.error,
    )


def _publish_now(job: Job) -> None:
    event = _event(job)
    try:
        stream_append(event)
    except RedisError as error:
        logger.warning("job %s: progress not published: %s", job.pk, error)
