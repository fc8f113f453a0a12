"""Checks at the boundary: each item of a batch is accepted or rejected on its own."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from pydantic import JsonValue, TypeAdapter, ValidationError

from waybill_contracts.telemetry import PositionReport, RejectedPosition, RejectReason

_COORDINATES: Final = frozenset({"latitude", "longitude"})
_RANGE_ERRORS: Final = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})
_REPORT: Final = TypeAdapter(PositionReport)

PositionKey = tuple[int, datetime]
"""(vehicle id, recorded at): what makes a position a duplicate."""


@dataclass
class CheckedBatch:
    valid: list[tuple[int, PositionReport]] = field(default_factory=list)
    """(index in the batch, report), first occurrence of each vehicle and time only."""
    rejected: list[RejectedPosition] = field(default_factory=list)
    repeated: int = 0
    """Items repeating an earlier item of the same batch (same vehicle and time)."""


def check_batch(
    items: Sequence[JsonValue], *, now: datetime, max_age: timedelta, future_tolerance: timedelta
) -> CheckedBatch:
    checked = CheckedBatch()
    seen: set[PositionKey] = set()
    for index, item in enumerate(items):
        try:
            report = _REPORT.validate_python(item)
        except ValidationError as error:
            checked.rejected.append(_rejection(index, error))
            continue
        if report.recorded_at > now + future_tolerance:
            checked.rejected.append(
                RejectedPosition(
                    index=index, reason=RejectReason.IN_THE_FUTURE, detail="recorded_at is ahead of now"
                )
            )
        elif report.recorded_at < now - max_age:
            checked.rejected.append(
                RejectedPosition(
                    index=index,
                    reason=RejectReason.TOO_OLD,
                    detail=f"recorded_at is more than {int(max_age.total_seconds())} s ago",
                )
            )
        elif (key := (report.vehicle_id, report.recorded_at)) in seen:
            checked.repeated += 1
        else:
            seen.add(key)
            checked.valid.append((index, report))
    return checked


def _rejection(index: int, error: ValidationError) -> RejectedPosition:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    out_of_range = any(
        problem["loc"][:1] and problem["loc"][0] in _COORDINATES and problem["type"] in _RANGE_ERRORS
        for problem in error.errors()
    )
    reason = RejectReason.COORDINATES_OUT_OF_RANGE if out_of_range else RejectReason.INVALID
    return RejectedPosition(index=index, reason=reason, detail=detail)
