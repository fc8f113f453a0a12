"""Telemetry ingest: the positions a device reports and what the service answers.

The same shapes travel over ``POST /v1/telemetry`` and the ``position``
WebSocket message. Items are validated one by one, so a batch with a bad item
still stores the good ones; each refused item is listed with its reason.
"""

from enum import StrEnum
from typing import Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

MAX_POSITIONS_PER_BATCH: Final = 1000
"""More items than this refuse the whole batch (HTTP 422, or a WebSocket ``error``)."""


MAX_VEHICLE_ID: Final = 2**63 - 1
"""Vehicle ids are PostgreSQL bigints."""


class PositionReport(BaseModel):
    """One telemetry ping of a vehicle, as a device sends it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Numbers are JSON numbers: "52" and true are refused, not coerced (strict).
    vehicle_id: int = Field(gt=0, le=MAX_VEHICLE_ID, strict=True)
    recorded_at: AwareDatetime = Field(description="When the device took the fix, with a UTC offset.")
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)
    speed_kmh: float | None = Field(default=None, ge=0, le=400, allow_inf_nan=False, strict=True)
    heading: float | None = Field(default=None, ge=0, lt=360, allow_inf_nan=False, strict=True)


class TelemetryBatch(BaseModel):
    """A batch of positions, oldest first or in any order. Items are checked one at a time."""

    model_config = ConfigDict(extra="forbid")

    positions: list[JsonValue] = Field(
        min_length=1,
        max_length=MAX_POSITIONS_PER_BATCH,
        description="Each item is a PositionReport; an invalid item is rejected alone.",
    )


class RejectReason(StrEnum):
    INVALID = "invalid"
    """A field is missing, of the wrong type, or out of range (other than the coordinates)."""
    COORDINATES_OUT_OF_RANGE = "coordinates_out_of_range"
    IN_THE_FUTURE = "in_the_future"
    TOO_OLD = "too_old"
    VEHICLE_NOT_ALLOWED = "vehicle_not_allowed"
    """No such vehicle, another organization's, not assigned to the reporting driver, or inactive."""


class RejectedPosition(BaseModel):
    index: int = Field(description="Position of the item in the batch, from 0.")
    reason: RejectReason
    detail: str = ""


class TelemetryResult(BaseModel):
    """What happened to a batch. ``accepted + duplicates + len(rejected)`` is the batch size."""

    accepted: int = Field(description="Positions stored by this request.")
    duplicates: int = Field(
        description="Positions already stored (same vehicle and time), or repeated in the batch: ignored."
    )
    rejected: list[RejectedPosition]
