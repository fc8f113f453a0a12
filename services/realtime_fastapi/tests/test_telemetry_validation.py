"""The ingest's validation: ``Position`` (a dict) accepts exactly what ``PositionReport`` accepts, with the same values.

The ingest parses accepted items into ``Position`` dicts and takes the errors of refused ones from
``PositionReport`` (decision 0217); if the two ever disagreed, a batch would be answered against the
contract. These checks need no server.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue, TypeAdapter, ValidationError

from waybill_contracts.telemetry import PositionReport, RejectedPosition, RejectReason
from waybill_realtime.telemetry.validation import (
    BatchRefused,
    CheckedBatch,
    Position,
    check_batch,
    check_batch_json,
)

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
LIMITS: dict[str, Any] = {"now": NOW, "max_age": timedelta(days=1), "future_tolerance": timedelta(minutes=5)}
POSITION = TypeAdapter(Position)
REPORT = TypeAdapter(PositionReport)


def item(**fields: JsonValue) -> dict[str, JsonValue]:
    return {
        "vehicle_id": 7,
        "recorded_at": (NOW - timedelta(seconds=30)).isoformat(),
        "latitude": 51.5,
        "longitude": -0.12,
        **fields,
    }


EDGE_CASES: list[object] = [
    item(),
    item(speed_kmh=None, heading=None),
    item(speed_kmh=0, heading=359.999),
    item(heading=360),
    item(speed_kmh=400.0),
    item(speed_kmh=400.5),
    item(latitude=90, longitude=-180),
    item(latitude=-90.0001),
    item(latitude="51.5"),
    item(latitude=True),
    item(vehicle_id=0),
    item(vehicle_id=2**63 - 1),
    item(vehicle_id=2**63),
    item(vehicle_id=7.0),
    item(vehicle_id="7"),
    item(vehicle_id=True),
    item(recorded_at="2026-12-02T05:59:30Z"),
    item(recorded_at="2026-12-02T07:59:30+02:00"),
    item(recorded_at="2026-12-02T05:59:30"),
    item(recorded_at="2026-12-02 05:59:30Z"),
    item(recorded_at="2026-12-02T05:59:30.1234567Z"),
    item(recorded_at=1_796_000_000),
    item(recorded_at="yesterday"),
    item(extra=1),
    {"vehicle_id": 7, "latitude": 1, "longitude": 2},
    "not an object",
    None,
    [],
]


def outcome(validator: TypeAdapter[Any], value: object, *, as_json: bool) -> object:
    try:
        parsed = validator.validate_json(json.dumps(value)) if as_json else validator.validate_python(value)
    except ValidationError:
        return "refused"
    return parsed.model_dump() if isinstance(parsed, PositionReport) else dict(parsed)


def test_position_has_the_fields_of_position_report() -> None:
    position, report = POSITION.json_schema(), REPORT.json_schema()
    for schema in (position, report):
        schema.pop("title")
        schema.pop("description", None)

    assert position == report


def test_position_and_position_report_agree_on_every_edge_case() -> None:
    for value in EDGE_CASES:
        for as_json in (False, True):
            assert outcome(POSITION, value, as_json=as_json) == outcome(REPORT, value, as_json=as_json), value


JSON_NUMBERS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
)
FIELD_VALUES = st.one_of(
    JSON_NUMBERS,
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda moment: moment.isoformat()),
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["vehicle_id", "recorded_at", "latitude", "longitude", "speed_kmh", "heading", "other"]
        ),
        FIELD_VALUES,
    )
)
def test_position_and_position_report_agree_on_any_object(value: dict[str, object]) -> None:
    for as_json in (False, True):
        assert outcome(POSITION, value, as_json=as_json) == outcome(REPORT, value, as_json=as_json)


def test_an_accepted_position_holds_every_field_even_those_not_sent() -> None:
    checked = check_batch_json(json.dumps({"positions": [item()]}).encode(), **LIMITS)

    assert [index for index, _ in checked.valid] == [0]
    assert checked.valid[0][1] == {
        "vehicle_id": 7,
        "recorded_at": NOW - timedelta(seconds=30),
        "latitude": 51.5,
        "longitude": -0.12,
        "speed_kmh": None,
        "heading": None,
    }


MIXED_BATCH: list[JsonValue] = [
    item(),
    item(latitude=91),
    "not an object",
    item(vehicle_id="7"),
    item(recorded_at=(NOW + timedelta(hours=1)).isoformat()),
    item(recorded_at=(NOW - timedelta(days=2)).isoformat()),
    item(),  # the first one again
    item(vehicle_id=8, extra=True),
    item(vehicle_id=9),
]
MIXED_REJECTIONS = [
    RejectedPosition(
        index=1,
        reason=RejectReason.COORDINATES_OUT_OF_RANGE,
        detail="latitude: Input should be less than or equal to 90",
    ),
    RejectedPosition(
        index=2,
        reason=RejectReason.INVALID,
        detail="Input should be a valid dictionary or instance of PositionReport",
    ),
    RejectedPosition(
        index=3, reason=RejectReason.INVALID, detail="vehicle_id: Input should be a valid integer"
    ),
    RejectedPosition(index=7, reason=RejectReason.INVALID, detail="extra: Extra inputs are not permitted"),
    RejectedPosition(index=4, reason=RejectReason.IN_THE_FUTURE, detail="recorded_at is ahead of now"),
    RejectedPosition(index=5, reason=RejectReason.TOO_OLD, detail="recorded_at is more than 86400 s ago"),
]


def summary(checked: CheckedBatch) -> tuple[list[int], list[RejectedPosition], int]:
    return [index for index, _ in checked.valid], checked.rejected, checked.repeated


def test_a_mixed_batch_lists_each_refused_item_with_position_reports_message_and_keeps_the_rest() -> None:
    over_http = check_batch_json(json.dumps({"positions": MIXED_BATCH}).encode(), **LIMITS)
    over_websocket = check_batch(MIXED_BATCH, **LIMITS)

    assert summary(over_http) == summary(over_websocket) == ([0, 8], MIXED_REJECTIONS, 1)
    assert [position["vehicle_id"] for _, position in over_http.valid] == [7, 9]
    assert over_http.valid == over_websocket.valid


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        (b"[]", "model_type"),
        (b'{"positions": []}', "too_short"),
        (b'{"positions": [1], "more": 2}', "extra_forbidden"),
        (b"not json", "json_invalid"),
    ],
)
def test_a_body_that_is_not_a_batch_is_refused_whole_with_the_batchs_errors(
    body: bytes, error_type: str
) -> None:
    with pytest.raises(BatchRefused) as refused:
        check_batch_json(body, **LIMITS)

    assert refused.value.errors[0]["type"] == error_type
