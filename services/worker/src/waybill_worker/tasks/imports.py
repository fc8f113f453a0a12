from typing import Any

from django.db import OperationalError

from waybill_contracts.tasks import IMPORT_SHIPMENTS, ShipmentImportRun
from waybill_django.imports.services import shipment_import_run
from waybill_django.jobs.services import job_abandon
from waybill_worker.celery_app import app


def _abandon_import(kwargs: dict[str, Any], reason: str) -> None:
    job_abandon(job_id=ShipmentImportRun.model_validate(kwargs).job_id, reason=reason)


@app.task(
    name=IMPORT_SHIPMENTS,
    abandon=staticmethod(_abandon_import),
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
    # 100,000 rows take under a minute (bench/reports/csv_import.md).
    soft_time_limit=11 * 60,
    time_limit=12 * 60,
)
def import_shipments(**kwargs: Any) -> str:
    payload = ShipmentImportRun.model_validate(kwargs)
    shipment_import = shipment_import_run(job_id=payload.job_id, dispatch=payload.dispatch)
    if shipment_import is None:
        return "already finished"
    return f"{shipment_import.rows_imported} imported, {shipment_import.rows_rejected} rejected"
