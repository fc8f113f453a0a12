"""Imports and reports finish once, whole, when Redis restarts under them or their worker is killed."""

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from waybill_contracts.jobs import JobState
from waybill_devstack.polling import wait_until
from waybill_devstack.redis_server import RestartableRedis
from waybill_django.accounts.models import User
from waybill_django.imports.services import shipment_import_start
from waybill_django.jobs.models import Job
from waybill_django.reports.models import Report
from waybill_django.reports.services import reports_schedule_monthly
from waybill_django.shipments.models import Shipment

from ..conftest import StartWorker
from ..test_jobs import dispatcher, job_events

__all__ = ["dispatcher"]

pytestmark = pytest.mark.faults

ROWS = 20_000
VISIBILITY_TIMEOUT = 15


def finished(job_id: Any, timeout: float) -> Job:
    def done() -> Job | None:
        job = Job.unscoped.get(pk=job_id)
        return job if job.is_finished else None

    job = wait_until(done, what="the job to finish", timeout=timeout)
    assert job is not None
    return job


@pytest.mark.timeout(240)
def test_a_csv_import_survives_a_redis_restart_with_every_row_once_and_its_progress_published(
    dispatcher: User,
    start_worker: StartWorker,
    own_redis: RestartableRedis,
    fault_figure: Callable[[str], None],
) -> None:
    organization = dispatcher.memberships.get().organization
    worker = start_worker(concurrency=2, as_make_up=True, REDIS_URL=own_redis.url)
    rows = "".join(f"WB-{n},1 Quay,2 Street\n" for n in range(ROWS))
    upload = ContentFile(("reference,origin_address,destination_address\n" + rows).encode(), name="s.csv")
    started = shipment_import_start(organization=organization, actor=dispatcher, upload=upload)

    wait_until(
        lambda: Job.unscoped.filter(pk=started.pk, state=JobState.RUNNING, percent__gt=0).exists(),
        what="the import to be under way",
        timeout=60,
    )
    percent_at_restart = Job.unscoped.get(pk=started.pk).percent
    own_redis.restart(down_for=2.0)
    job = finished(started.pk, timeout=180)

    assert job.state == JobState.SUCCEEDED, job.error
    assert Shipment.objects.in_organization(organization).count() == ROWS
    assert worker.poll() is None
    events = [event for event in job_events(own_redis.url, organization.pk) if event.job_id == job.pk]
    assert events, "progress after the restart reached the stream"
    assert (events[-1].state, events[-1].percent) == (JobState.SUCCEEDED, 100)
    fault_figure(
        f"Redis down 2 s at {percent_at_restart}% of a {ROWS:,}-row import: {ROWS:,}/{ROWS:,} shipments, "
        f"0 duplicated, job succeeded, {len(events)} progress events after the restart ending at 100%"
    )


@pytest.mark.timeout(240)
def test_the_monthly_report_of_a_killed_worker_is_built_once_by_the_next(
    dispatcher: User,
    start_worker: StartWorker,
    worker_env: dict[str, str],
    fault_figure: Callable[[str], None],
) -> None:
    timeout = {"BROKER_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_TIMEOUT)}
    first = start_worker(concurrency=1, as_make_up=True, **timeout)
    # Hold the report's query back with a lock, so that the kill lands while the report is being built.
    with psycopg.connect(worker_env["DATABASE_URL"]) as blocker:
        blocker.execute(f"LOCK TABLE {Shipment._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        (report,) = reports_schedule_monthly(today=timezone.now().date())
        wait_until(
            lambda: Job.unscoped.filter(pk=report.pk, state=JobState.RUNNING).exists(),
            what="the report to be building",
            timeout=30,
        )
        os.killpg(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait()
    start_worker(concurrency=1, as_make_up=True, **timeout)
    job = finished(report.pk, timeout=VISIBILITY_TIMEOUT + 60)
    recovered_after = time.monotonic() - killed_at

    assert job.state == JobState.SUCCEEDED, job.error
    assert Report.unscoped.filter(organization=report.organization_id, scheduled=True).count() == 1
    report.refresh_from_db()
    assert str(report.csv.name).endswith(".csv")
    assert recovered_after < VISIBILITY_TIMEOUT + 45
    fault_figure(
        f"worker SIGKILLed while building the monthly report: built once, {recovered_after:.1f} s after "
        f"the kill (visibility timeout {VISIBILITY_TIMEOUT} s)"
    )
