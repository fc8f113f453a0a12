"""A job whose task was lost is enqueued again after its lease, and never runs twice at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from waybill_contracts.jobs import JobKind, JobState
from waybill_django.jobs.models import Job
from waybill_django.jobs.services import JOB_TASKS, job_create, job_requeue_stalled, job_start
from waybill_django.organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(organization: Organization) -> Job:
    return job_create(organization=organization, kind=JobKind.SHIPMENT_IMPORT, actor=None)


def test_every_kind_of_job_has_its_task() -> None:
    assert set(JOB_TASKS) == set(JobKind)


def test_a_job_still_queued_after_its_lease_is_enqueued_again_and_its_first_task_does_nothing(
    queued: Job,
) -> None:
    assert job_requeue_stalled() == 0, "within its lease a queued job waits for its task"
    after_the_lease = timezone.now() + timedelta(hours=1)

    assert job_requeue_stalled(now=after_the_lease) == 1
    queued.refresh_from_db()
    assert queued.dispatches == 1
    assert queued.task_lease_until is not None
    assert queued.task_lease_until > after_the_lease, "a new lease, so the next sweep leaves it alone"
    assert job_requeue_stalled(now=after_the_lease) == 0

    assert job_start(job_id=queued.pk, dispatch=0) is None, "the first task arrived late: a no-op"
    started = job_start(job_id=queued.pk, dispatch=1)
    assert started is not None
    assert started.state == JobState.RUNNING


def test_a_running_job_is_not_enqueued_again(queued: Job) -> None:
    job_start(job_id=queued.pk)
    assert job_requeue_stalled(now=timezone.now() + timedelta(hours=1)) == 0
