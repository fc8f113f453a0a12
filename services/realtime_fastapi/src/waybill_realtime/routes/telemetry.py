"""``POST /v1/telemetry``: a device's batch of positions."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from waybill_contracts.telemetry import TelemetryBatch, TelemetryResult
from waybill_realtime.auth.users import auth_backend
from waybill_realtime.client_address import client_address
from waybill_realtime.deps import ResourcesDep
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
    request: Request,
    token: Annotated[str | None, Depends(auth_backend.transport.scheme)],
    resources: ResourcesDep,
) -> Response:
    """Store a batch of positions; each refused item is listed with its reason, the others are kept.

    Positions already stored (same vehicle and time) count as duplicates and change nothing, so a
    device may resend a batch whose answer it did not receive.
    """
    address = client_address(request, trusted_proxy_count=resources.settings.trusted_proxy_count)
    admission = await resources.telemetry_gate.admit(token, address=address)
    if admission.account is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)
    if not admission.verdict.allowed:
        return JSONResponse(
            {"detail": "too many batches: retry later"},
            status_code=429,
            headers={"Retry-After": str(admission.verdict.retry_after_seconds), "Cache-Control": "no-store"},
        )
    try:
        result = await resources.ingest.from_json(user_id=admission.account.id, body=await request.body())
    except BatchRefused as refused:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in refused.errors]
        ) from None
    # Already a TelemetryResult: serialized once, not validated again against the response model.
    return Response(result.model_dump_json(), media_type="application/json")
