from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from waybill_contracts.channels import org_channel, org_stream_key, parse_org_channel
from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import EVENT_ADAPTER, ShipmentStatusChanged
from waybill_contracts.ws import CLIENT_MESSAGE_ADAPTER, Subscribe


def test_an_event_survives_the_round_trip_through_json() -> None:
    event = ShipmentStatusChanged(
        event_id=uuid4(),
        organization_id=7,
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        shipment_id=42,
        reference="WB-1",
        previous_status=ShipmentStatus.DRAFT,
        status=ShipmentStatus.BOOKED,
    )

    assert EVENT_ADAPTER.validate_json(event.model_dump_json()) == event


def test_an_event_of_unknown_type_is_refused_for_its_type_alone() -> None:
    complete = ShipmentStatusChanged(
        event_id=uuid4(),
        organization_id=7,
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        shipment_id=42,
        reference="WB-1",
        previous_status=ShipmentStatus.DRAFT,
        status=ShipmentStatus.BOOKED,
    ).model_dump(mode="json")

    with pytest.raises(ValidationError) as refused:
        EVENT_ADAPTER.validate_python({**complete, "type": "shipment.teleported"})

    assert [error["type"] for error in refused.value.errors()] == ["union_tag_invalid"]


def test_org_channel_and_stream_names_agree_on_the_organization() -> None:
    assert parse_org_channel(org_channel(12)) == 12
    assert org_stream_key(12) == "waybill:org:12:events"


@pytest.mark.parametrize("channel", ["org:", "org:x", "shipment:1", "org:1:2", ""])
def test_malformed_org_channels_are_not_parsed(channel: str) -> None:
    assert parse_org_channel(channel) is None


def test_a_subscribe_with_a_malformed_last_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        CLIENT_MESSAGE_ADAPTER.validate_python({"type": "subscribe", "channel": "org:1", "last_id": "abc"})


def test_a_subscribe_message_parses_to_its_model() -> None:
    message = CLIENT_MESSAGE_ADAPTER.validate_json(
        '{"type": "subscribe", "channel": "org:3", "last_id": "1-0"}'
    )
    assert message == Subscribe(channel="org:3", last_id="1-0")


def test_channel_ids_are_ascii_digits_only() -> None:
    # "²" passes str.isdigit() but int() refuses it: it once dropped the WebSocket of whoever sent it.
    from waybill_contracts.channels import parse_org_channel, parse_shipment_channel

    assert [
        parse_org_channel("org:²"),
        parse_shipment_channel("shipment:²"),
        parse_org_channel("org:12"),
    ] == [
        None,
        None,
        12,
    ]
