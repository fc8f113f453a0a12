from typing import Any

from django.db import OperationalError
from django.utils import timezone

from waybill_contracts.tasks import (
    BUILD_REPORT,
    SCHEDULE_MONTHLY_REPORTS,
    ReportBuild,
    ScheduledRun,
)
from waybill_django.jobs.services import job_abandon
from waybill_django.reports.services import report_build, reports_schedule_monthly
from waybill_worker.celery_app import app


def _abandon_report(kwargs: dict[str, Any], reason: str) -> None:
    job_abandon(job_id=ReportBuild.model_validate(kwargs).job_id, reason=reason)


@app.task(
    name=BUILD_REPORT,
    abandon=staticmethod(_abandon_report),
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def build_report(**kwargs: Any) -> str:
    payload = ReportBuild.model_validate(kwargs)
    return "built" if report_build(job_id=payload.job_id, dispatch=payload.dispatch) else "already finished"


@app.task(name=SCHEDULE_MONTHLY_REPORTS, soft_time_limit=5 * 60, time_limit=6 * 60)
def schedule_monthly_reports(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return len(reports_schedule_monthly(today=timezone.now().date()))
