from typing import Any

from django.db import OperationalError

from waybill_contracts.tasks import COMPUTE_ROUTE_PLAN, RoutePlanCompute
from waybill_django.jobs.services import job_abandon
from waybill_django.planning.services import route_plan_compute
from waybill_worker.celery_app import app


def _abandon_plan(kwargs: dict[str, Any], reason: str) -> None:
    job_abandon(job_id=RoutePlanCompute.model_validate(kwargs).job_id, reason=reason)


@app.task(
    name=COMPUTE_ROUTE_PLAN,
    abandon=staticmethod(_abandon_plan),
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    # The solver stops at PLANNING_SOLVER_SECONDS (30 s by default); 500 shipments solve in
    # a few seconds (bench/planner.py).
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
)
def compute_route_plan(**kwargs: Any) -> str:
    payload = RoutePlanCompute.model_validate(kwargs)
    plan = route_plan_compute(job_id=payload.job_id, dispatch=payload.dispatch)
    if plan is None:
        return "already finished"
    return f"{plan.distance_m} m in all"
