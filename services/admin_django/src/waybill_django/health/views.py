"""Probes: ``/healthz`` says the process runs, ``/readyz`` that it can serve."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from waybill_django.core.redis_client import get_redis


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready, and says why
        checks["database"] = f"unreachable: {type(error).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready, and says why
        checks["redis"] = f"unreachable: {type(error).__name__}"
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
