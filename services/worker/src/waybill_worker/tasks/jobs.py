from typing import Any

from waybill_contracts.tasks import REQUEUE_STALLED_JOBS, ScheduledRun
from waybill_django.jobs.services import job_requeue_stalled
from waybill_worker.celery_app import app


@app.task(name=REQUEUE_STALLED_JOBS, soft_time_limit=50, time_limit=60)
def requeue_stalled_jobs(**kwargs: Any) -> int:
    ScheduledRun.model_validate(kwargs)
    return job_requeue_stalled()
