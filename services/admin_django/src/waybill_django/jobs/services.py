"""The life of a job: queued, running with a percentage, then succeeded or failed.

Progress while running is written to the row and published straight to the
organization's stream: it is frequent and only the latest value matters, so
losing one (Redis briefly down) is harmless and the outbox would only add
load. The final state is recorded with the outbox in the same transaction as
the row, so a page waiting on a job always learns how it ended.
"""

import logging
import uuid

from django.utils import timezone
from redis import RedisError

from waybill_contracts.events import JobProgress
from waybill_contracts.jobs import JobKind, JobState
from waybill_django.accounts.models import User
from waybill_django.core.event_stream import stream_append
from waybill_django.core.transactions import unit_of_work
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Organization
from waybill_django.outbox.services import outbox_record

logger = logging.getLogger(__name__)


def job_create(*, organization: Organization, kind: JobKind, actor: User | None) -> Job:
    """A queued job; the caller enqueues its task after commit."""
    return Job.unscoped.create(organization=organization, kind=kind.value, created_by=actor)


def job_start(*, job_id: uuid.UUID) -> Job | None:
    """Mark the job running, or return None when it already finished (a repeated task)."""
    with unit_of_work():
        job = Job.unscoped.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        # A job found running was interrupted (its worker died); it starts over.
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
