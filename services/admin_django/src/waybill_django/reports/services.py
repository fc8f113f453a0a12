"""Delivery reports: on demand, and for every organization each month."""

import csv
import io
import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError

from waybill_contracts.jobs import JobKind
from waybill_django.accounts.models import User
from waybill_django.core.transactions import unit_of_work
from waybill_django.jobs.services import job_create, job_fail, job_start, job_succeed
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.reports.models import Report
from waybill_django.reports.selectors import ReportFigures, report_figures


def report_request(
    *, organization: Organization, actor: User, period_start: date, period_end: date
) -> Report:
    """Queue a report of ``[period_start, period_end)`` for someone who may see the shipments."""
    check_permission(actor=actor, organization=organization, action=Action.VIEW_SHIPMENTS)
    if period_end <= period_start:
        raise ValueError("A report's period must end after it starts.")
    return _queue(organization=organization, actor=actor, period_start=period_start, period_end=period_end)


def reports_schedule_monthly(*, today: date) -> list[Report]:
    """Queue last month's report for each organization that has no scheduled one yet."""
    period_end = today.replace(day=1)
    period_start = (period_end.replace(day=1) - date.resolution).replace(day=1)
    queued = []
    done = Report.unscoped.filter(scheduled=True, period_start=period_start, period_end=period_end)
    for organization in Organization.objects.exclude(pk__in=done.values("organization_id")):
        try:
            queued.append(
                _queue(
                    organization=organization,
                    actor=None,
                    period_start=period_start,
                    period_end=period_end,
                    scheduled=True,
                )
            )
        except IntegrityError:
            continue  # a concurrent run of the schedule queued it
    return queued


def report_build(*, job_id: uuid.UUID, dispatch: int = 0) -> Report | None:
    """Compute the figures and the CSV of a queued report; None when it already finished or was enqueued again."""
    job = job_start(job_id=job_id, dispatch=dispatch)
    if job is None:
        return None
    report = Report.unscoped.get(job=job)
    try:
        figures = report_figures(
            organization=report.organization_id,
            period_start=report.period_start,
            period_end=report.period_end,
        )
    except OperationalError:
        raise  # transient: the task retries, and the job starts over
    except Exception as error:
        job_fail(job=job, error=f"{type(error).__name__}: {error}")
        raise
    with unit_of_work():
        report.figures = figures.as_json()
        report.csv.save(
            f"report-{report.period_start}-{report.period_end}.csv", ContentFile(_csv(figures)), save=False
        )
        report.save(update_fields=["figures", "csv"])
        job_succeed(job=job)
    return report


def _queue(
    *,
    organization: Organization,
    actor: User | None,
    period_start: date,
    period_end: date,
    scheduled: bool = False,
) -> Report:
    with unit_of_work():
        job = job_create(organization=organization, kind=JobKind.REPORT, actor=actor)
        return Report.unscoped.create(
            job=job,
            organization=organization,
            period_start=period_start,
            period_end=period_end,
            scheduled=scheduled,
        )


def _csv(figures: ReportFigures) -> bytes:
    """One long table, ``metric,key,value``, which a spreadsheet pivots easily."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "key", "value"])
    for metric in (
        "shipments_created",
        "delivered",
        "delivered_with_window",
        "delivered_on_time",
        "delivered_early",
    ):
        writer.writerow([metric, "", getattr(figures, metric)])
    writer.writerow(["on_time_rate", "", "" if figures.on_time_rate is None else figures.on_time_rate])
    writer.writerow(
        [
            "average_transit_hours",
            "",
            "" if figures.average_transit_hours is None else figures.average_transit_hours,
        ]
    )
    for status, count in figures.volume_by_status.items():
        writer.writerow(["volume_by_status", status, count])
    for day, count in figures.volume_by_day.items():
        writer.writerow(["volume_by_day", day, count])
    return out.getvalue().encode()
