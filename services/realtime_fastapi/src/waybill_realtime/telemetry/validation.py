"""Checks at the boundary: each item of a batch is accepted or rejected on its own."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from waybill_contracts.telemetry import (
    MAX_POSITIONS_PER_BATCH,
    PositionReport,
    RejectedPosition,
    RejectReason,
    TelemetryBatch,
)

_COORDINATES: Final = frozenset({"latitude", "longitude"})
_RANGE_ERRORS: Final = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})
_REPORT: Final = TypeAdapter(PositionReport)
_REPORTS: Final = TypeAdapter(list[PositionReport])


class _ValidBatch(BaseModel):
    """A ``TelemetryBatch`` whose every item is a valid ``PositionReport``: the usual batch, parsed in one pass."""

    model_config = ConfigDict(extra="forbid")

    positions: list[PositionReport] = Field(min_length=1, max_length=MAX_POSITIONS_PER_BATCH)


class BatchRefused(Exception):
    """The body is not a batch at all (not JSON, no positions, too many): nothing is stored."""

    def __init__(self, errors: list[ErrorDetails]) -> None:
        super().__init__("not a telemetry batch")
        self.errors = errors


PositionKey = tuple[int, datetime]
"""(vehicle id, recorded at): what makes a position a duplicate."""


@dataclass
class CheckedBatch:
    valid: list[tuple[int, PositionReport]] = field(default_factory=list)
    """(index in the batch, report), first occurrence of each vehicle and time only."""
    rejected: list[RejectedPosition] = field(default_factory=list)
    repeated: int = 0
    """Items repeating an earlier item of the same batch (same vehicle and time)."""


def check_batch_json(
    body: bytes, *, now: datetime, max_age: timedelta, future_tolerance: timedelta
) -> CheckedBatch:
    """A ``TelemetryBatch`` body, checked as ``check_batch`` does, or ``BatchRefused``.

    Parsing the JSON straight into reports is one pass instead of three (decoding, the batch's
    shape, the items); only a body with an invalid item or shape pays for the item-by-item path.
    """
    try:
        reports = _ValidBatch.model_validate_json(body).positions
    except ValidationError:
        try:
            items = TelemetryBatch.model_validate_json(body).positions
        except ValidationError as error:
            raise BatchRefused(error.errors(include_input=False, include_url=False)) from None
        return check_batch(items, now=now, max_age=max_age, future_tolerance=future_tolerance)
    return _check_times(list(enumerate(reports)), CheckedBatch(), now, max_age, future_tolerance)


def check_batch(
    items: Sequence[JsonValue], *, now: datetime, max_age: timedelta, future_tolerance: timedelta
) -> CheckedBatch:
    checked = CheckedBatch()
    return _check_times(_parse(items, checked.rejected), checked, now, max_age, future_tolerance)


def _check_times(
    reports: list[tuple[int, PositionReport]],
    checked: CheckedBatch,
    now: datetime,
    max_age: timedelta,
    future_tolerance: timedelta,
) -> CheckedBatch:
    latest, earliest = now + future_tolerance, now - max_age
    if reports:
        # Aware datetimes with the same tzinfo object compare without asking it for their offsets
        # (ten times faster); a batch's times usually share one (pydantic's UTC).
        zone = reports[0][1].recorded_at.tzinfo
        latest, earliest = latest.astimezone(zone), earliest.astimezone(zone)
    seen: set[PositionKey] = set()
    for index, report in reports:
        recorded_at = report.recorded_at
        if recorded_at > latest:
            checked.rejected.append(
                RejectedPosition(
                    index=index, reason=RejectReason.IN_THE_FUTURE, detail="recorded_at is ahead of now"
                )
            )
        elif recorded_at < earliest:
            checked.rejected.append(
                RejectedPosition(
                    index=index,
                    reason=RejectReason.TOO_OLD,
                    detail=f"recorded_at is more than {int(max_age.total_seconds())} s ago",
                )
            )
        elif (key := (report.vehicle_id, recorded_at)) in seen:
            checked.repeated += 1
        else:
            seen.add(key)
            checked.valid.append((index, report))
    return checked


def _parse(items: Sequence[JsonValue], rejected: list[RejectedPosition]) -> list[tuple[int, PositionReport]]:
    """The valid items with their index; the invalid ones go to ``rejected``.

    One validation call for the whole list is several times cheaper than one per item; only a batch
    with an invalid item pays for the second pass, which validates the others alone.
    """
    try:
        return list(enumerate(_REPORTS.validate_python(items)))
    except ValidationError as error:
        problems: defaultdict[int, list[ErrorDetails]] = defaultdict(list)
        for problem in error.errors():
            index = problem["loc"][0]
            assert isinstance(index, int)
            problems[index].append({**problem, "loc": problem["loc"][1:]})
    for index, details in sorted(problems.items()):
        rejected.append(_rejection(index, details))
    return [
        (index, _REPORT.validate_python(item)) for index, item in enumerate(items) if index not in problems
    ]


def _rejection(index: int, problems: list[ErrorDetails]) -> RejectedPosition:
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    out_of_range = any(
        problem["loc"][:1] and problem["loc"][0] in _COORDINATES and problem["type"] in _RANGE_ERRORS
        for problem in problems
    )
    reason = RejectReason.COORDINATES_OUT_OF_RANGE if out_of_range else RejectReason.INVALID
    return RejectedPosition(index=index, reason=reason, detail=detail)
