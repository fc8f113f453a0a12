"""Checks at the boundary: each item of a batch is accepted or rejected on its own.

An accepted item becomes a ``Position``: a plain dict validated by ``PositionReport``'s own fields,
not a model object. A batch of 1,000 then costs a third of the allocations (a model is an object,
its ``__dict__`` and its fields-set), which is most of what parsing it cost beyond the JSON itself,
and the collector has less to scan (decision 0217). Errors still come from ``PositionReport``:
only a batch with an invalid item validates it again, item by item, and reports exactly what
``PositionReport`` says of each.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Final

from pydantic import AwareDatetime, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError, with_config
from pydantic_core import ErrorDetails
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from waybill_contracts.telemetry import (
    MAX_POSITIONS_PER_BATCH,
    PositionReport,
    RejectedPosition,
    RejectReason,
    TelemetryBatch,
)

_COORDINATES: Final = frozenset({"latitude", "longitude"})
_RANGE_ERRORS: Final = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})
_FIELDS: Final = PositionReport.model_fields


@with_config(ConfigDict(extra="forbid"))
class Position(TypedDict):
    """A valid ``PositionReport`` as a dict: every key present (``speed_kmh`` and ``heading`` None when not sent).

    Each field is ``PositionReport``'s own (its ``FieldInfo``: type, bounds, strictness, default), so
    both accept the same items with the same values (``tests/test_telemetry_validation.py``).
    """

    vehicle_id: Annotated[int, _FIELDS["vehicle_id"]]
    recorded_at: Annotated[AwareDatetime, _FIELDS["recorded_at"]]
    latitude: Annotated[float, _FIELDS["latitude"]]
    longitude: Annotated[float, _FIELDS["longitude"]]
    speed_kmh: Annotated[float | None, _FIELDS["speed_kmh"]]
    heading: Annotated[float | None, _FIELDS["heading"]]


@with_config(ConfigDict(extra="forbid"))
class _ValidBatch(TypedDict):
    """A ``TelemetryBatch`` whose every item is a valid ``Position``: the usual batch, parsed in one pass."""

    positions: Annotated[list[Position], Field(min_length=1, max_length=MAX_POSITIONS_PER_BATCH)]


_VALID_BATCH: Final = TypeAdapter(_ValidBatch)
_POSITION: Final = TypeAdapter(Position)
_POSITIONS: Final = TypeAdapter(list[Position])
_REPORTS: Final = TypeAdapter(list[PositionReport])
"""Only for the errors of a batch with an invalid item: what ``PositionReport`` says of each."""


class BatchRefused(Exception):
    """The body is not a batch at all (not JSON, no positions, too many): nothing is stored."""

    def __init__(self, errors: list[ErrorDetails]) -> None:
        super().__init__("not a telemetry batch")
        self.errors = errors


PositionKey = tuple[int, datetime]
"""(vehicle id, recorded at): what makes a position a duplicate."""


@dataclass
class CheckedBatch:
    valid: list[tuple[int, Position]] = field(default_factory=list)
    """(index in the batch, position), first occurrence of each vehicle and time only."""
    rejected: list[RejectedPosition] = field(default_factory=list)
    repeated: int = 0
    """Items repeating an earlier item of the same batch (same vehicle and time)."""


def check_batch_json(
    body: bytes, *, now: datetime, max_age: timedelta, future_tolerance: timedelta
) -> CheckedBatch:
    """A ``TelemetryBatch`` body, checked as ``check_batch`` does, or ``BatchRefused``.

    Parsing the JSON straight into positions is one pass instead of three (decoding, the batch's
    shape, the items); only a body with an invalid item or shape pays for the item-by-item path.
    """
    try:
        positions = _VALID_BATCH.validate_json(body)["positions"]
    except ValidationError:
        try:
            items = TelemetryBatch.model_validate_json(body).positions
        except ValidationError as error:
            raise BatchRefused(error.errors(include_input=False, include_url=False)) from None
        return check_batch(items, now=now, max_age=max_age, future_tolerance=future_tolerance)
    return _check_times(list(enumerate(positions)), CheckedBatch(), now, max_age, future_tolerance)


def check_batch(
    items: Sequence[JsonValue], *, now: datetime, max_age: timedelta, future_tolerance: timedelta
) -> CheckedBatch:
    checked = CheckedBatch()
    return _check_times(_parse(items, checked.rejected), checked, now, max_age, future_tolerance)


def _check_times(
    positions: list[tuple[int, Position]],
    checked: CheckedBatch,
    now: datetime,
    max_age: timedelta,
    future_tolerance: timedelta,
) -> CheckedBatch:
    latest, earliest = now + future_tolerance, now - max_age
    if positions:
        # Aware datetimes with the same tzinfo object compare without asking it for their offsets
        # (ten times faster); a batch's times usually share one (pydantic's UTC).
        zone = positions[0][1]["recorded_at"].tzinfo
        latest, earliest = latest.astimezone(zone), earliest.astimezone(zone)
    seen: set[PositionKey] = set()
    for index, position in positions:
        recorded_at = position["recorded_at"]
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
        elif (key := (position["vehicle_id"], recorded_at)) in seen:
            checked.repeated += 1
        else:
            seen.add(key)
            checked.valid.append((index, position))
    return checked


def _parse(items: Sequence[JsonValue], rejected: list[RejectedPosition]) -> list[tuple[int, Position]]:
    """The valid items with their index; the invalid ones go to ``rejected``.

    One validation call for the whole list is several times cheaper than one per item; only a batch
    with an invalid item pays for the second pass, which takes the errors from ``PositionReport``
    (its messages, as documented) and validates the others alone.
    """
    try:
        return list(enumerate(_POSITIONS.validate_python(items)))
    except ValidationError:
        pass
    problems: defaultdict[int, list[ErrorDetails]] = defaultdict(list)
    try:
        _REPORTS.validate_python(items)
    except ValidationError as error:
        for problem in error.errors():
            index = problem["loc"][0]
            assert isinstance(index, int)
            problems[index].append({**problem, "loc": problem["loc"][1:]})
    for index, details in sorted(problems.items()):
        rejected.append(_rejection(index, details))
    return [
        (index, _POSITION.validate_python(item)) for index, item in enumerate(items) if index not in problems
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
