"""``POST /v1/telemetry``: a device's batch of positions."""

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from waybill_contracts.telemetry import TelemetryBatch, TelemetryResult
from waybill_realtime.client_address import client_address
from waybill_realtime.deps import CurrentUser, ResourcesDep
from waybill_realtime.ratelimit import hit
from waybill_realtime.telemetry.validation import BatchRefused

router = APIRouter(prefix="/v1", tags=["telemetry"])

MAX_BODY_BYTES: Final = 256 * 1024
"""A full batch of 1,000 positions is about 150 KiB; larger bodies answer 413 unread."""


def _body_schema() -> dict[str, Any]:
    """``TelemetryBatch`` as the documented request body (items: any JSON value, each checked alone)."""
    schema = TelemetryBatch.model_json_schema()
    schema.pop("$defs", None)
    schema["properties"]["positions"]["items"] = {}
    return schema


@router.post(
    "/telemetry",
    response_model=TelemetryResult,
    max_body_size=MAX_BODY_BYTES,
    # The body is parsed by the ingest (one pass from JSON to reports), not by FastAPI: documented here.
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _body_schema()}}}
    },
    responses={
        413: {"description": "Body over 256 KiB: nothing read or stored"},
        422: {"description": "Not a batch (no positions, or more than allowed): nothing stored"},
        429: {"description": "Too many batches from this device or address: retry after Retry-After seconds"},
        503: {"description": "Database unreachable: nothing stored; send the batch again after Retry-After"},
    },
)
async def report_positions(
    request: Request, user: CurrentUser, resources: ResourcesDep
) -> TelemetryResult | JSONResponse:
    """Store a batch of positions; each refused item is listed with its reason, the others are kept.

    Positions already stored (same vehicle and time) count as duplicates and change nothing, so a
    device may resend a batch whose answer it did not receive.
    """
    settings = resources.settings
    address = client_address(request, trusted_proxy_count=settings.trusted_proxy_count)
    for scope, client, limit in (
        ("telemetry-user", str(user.id), settings.telemetry_rate_limit_per_minute),
        ("telemetry-address", address, settings.telemetry_address_rate_limit_per_minute),
    ):
        verdict = await hit(resources.redis, scope=scope, client=client, limit=limit)
        if not verdict.allowed:
            return JSONResponse(
                {"detail": "too many batches: retry later"},
                status_code=429,
                headers={"Retry-After": str(verdict.retry_after_seconds), "Cache-Control": "no-store"},
            )
    try:
        return await resources.ingest.from_json(user_id=user.id, body=await request.body())
    except BatchRefused as refused:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in refused.errors]
        ) from None
