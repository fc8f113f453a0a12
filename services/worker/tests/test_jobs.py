"""Imports, reports and route plans run by a real worker, their progress published on the organization's stream."""

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any
from uuid import UUID

import pytest
import redis
from django.core.files.base import ContentFile
from django.utils import timezone

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import EVENT_ADAPTER, JobProgress
from waybill_contracts.jobs import JobState
from waybill_contracts.tasks import Queue
from waybill_devstack.polling import wait_until
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.imports.services import shipment_import_start
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Membership, Organization
from waybill_django.planning.models import PlannedStop
from waybill_django.planning.services import depot_set, route_plan_request
from waybill_django.reports.services import report_request
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition

from .conftest import StartWorker


@pytest.fixture
def dispatcher(transactional_db: None) -> User:
    organization = Organization.objects.create(name="Acme Freight", slug="acme")
    user = User.objects.create_user("dispatcher@acme.test", "correct horse battery")
    Membership.objects.create(user=user, organization=organization, role=Role.DISPATCHER)
    return user


def job_events(redis_url: str, organization_id: int) -> list[JobProgress]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    entries: list[tuple[str, dict[str, str]]] = client.xrange(org_stream_key(organization_id))  # type: ignore[assignment]
    events = [EVENT_ADAPTER.validate_json(fields[STREAM_ENTRY_FIELD]) for _, fields in entries]
    return [event for event in events if isinstance(event, JobProgress)]


def wait_until_finished(job_id: UUID) -> Job:
    def finished() -> Job | None:
        job = Job.unscoped.get(pk=job_id)
        return job if job.is_finished else None

    job = wait_until(finished, what="the job to finish", timeout=60)
    assert job is not None
    return job


@pytest.mark.usefixtures("worker")
def test_an_uploaded_file_is_imported_and_its_progress_published(dispatcher: User, redis_url: str) -> None:
    organization = dispatcher.memberships.get().organization
    rows = "".join(f"WB-{n},1 Quay,2 Street\n" for n in range(3000))
    upload = ContentFile(("reference,origin_address,destination_address\n" + rows).encode(), name="s.csv")

    started = shipment_import_start(organization=organization, actor=dispatcher, upload=upload)
    job = wait_until_finished(started.pk)

    assert job.state == JobState.SUCCEEDED, job.error
    assert Shipment.objects.in_organization(organization).count() == 3000

    def events_until_the_end() -> list[JobProgress]:
        events = [event for event in job_events(redis_url, organization.pk) if event.job_id == job.pk]
        return events if events and events[-1].state.is_final else []

    events = wait_until(events_until_the_end, what="the job's final event on the stream")
    states = [(event.state, event.percent) for event in events]
    assert states[0] == (JobState.RUNNING, 0)
    assert states[-1] == (JobState.SUCCEEDED, 100)
    percents = [percent for state, percent in states if state == JobState.RUNNING]
    assert len(percents) > 2, "progress is published in steps"
    assert percents == sorted(percents)


def test_an_import_whose_task_the_broker_lost_runs_once_its_lease_ends(
    dispatcher: User, redis_url: str, settings: Any, start_worker: StartWorker, beat: Callable[..., None]
) -> None:
    """Redis down at the commit, or a task lost with a Redis restart: the job must not wait forever."""
    settings.JOBS_TASK_LEASE_SECONDS = 1
    organization = dispatcher.memberships.get().organization
    rows = "".join(f"WB-{n},1 Quay,2 Street\n" for n in range(20))
    upload = ContentFile(("reference,origin_address,destination_address\n" + rows).encode(), name="s.csv")
    started = shipment_import_start(organization=organization, actor=dispatcher, upload=upload)
    with redis.Redis.from_url(redis_url) as broker:
        assert broker.delete(Queue.IMPORTS) == 1, "the import's task was queued"

    start_worker()
    beat(JOB_REQUEUE_INTERVAL_SECONDS="1")
    job = wait_until_finished(started.pk)

    assert job.state == JobState.SUCCEEDED, job.error
    assert job.dispatches == 1
    assert Shipment.objects.in_organization(organization).count() == 20


@pytest.mark.usefixtures("worker")
def test_a_report_requested_on_demand_is_built_by_the_worker(dispatcher: User) -> None:
    organization = dispatcher.memberships.get().organization
    today = timezone.now().date()

    report = report_request(
        organization=organization, actor=dispatcher, period_start=today, period_end=today + timedelta(days=1)
    )
    job = wait_until_finished(report.pk)

    assert job.state == JobState.SUCCEEDED
    report.refresh_from_db()
    assert report.figures["shipments_created"] == 0
    assert str(report.csv.name).endswith(".csv")


@pytest.mark.usefixtures("worker")
def test_a_day_is_planned_by_the_worker_with_its_progress_on_the_stream(
    dispatcher: User, redis_url: str
) -> None:
    organization = dispatcher.memberships.get().organization
    # Tomorrow: planning today starts from now, and this test must not depend on the hour it runs at.
    tomorrow = timezone.now().date() + timedelta(days=1)
    depot_set(
        organization=organization,
        actor=dispatcher,
        address="Rotterdam",
        latitude=51.92,
        longitude=4.48,
        workday_start=time(0),
        workday_end=time(23, 59),
    )
    Vehicle.unscoped.create(organization=organization, plate="VAN-1", capacity_kg=500)
    shipment = shipment_create(
        organization=organization,
        actor=dispatcher,
        reference="P-1",
        origin_address="Delft",
        origin_latitude=52.01,
        origin_longitude=4.36,
        destination_address="Gouda",
        destination_latitude=52.01,
        destination_longitude=4.71,
    )
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=dispatcher)

    plan = route_plan_request(organization=organization, actor=dispatcher, day=tomorrow)
    job = wait_until_finished(plan.job_id)

    assert job.state == JobState.SUCCEEDED, job.error
    stops = PlannedStop.objects.in_organization(organization).filter(route__plan=plan).order_by("position")
    assert [(stop.shipment.reference, stop.kind) for stop in stops] == [
        ("P-1", "pickup"),
        ("P-1", "delivery"),
    ]
    states = [(e.state, e.percent) for e in job_events(redis_url, organization.pk) if e.job_id == job.pk]
    assert states[0] == (JobState.RUNNING, 0)
    assert (JobState.RUNNING, 25) in states
    assert states[-1] == (JobState.SUCCEEDED, 100)
