"""``copy_create`` writes what ``bulk_create`` would, by COPY."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from waybill_django.accounts.models import User
from waybill_django.core.bulk_copy import copy_create
from waybill_django.imports.models import ShipmentImport, StagedRow
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent

WINDOW_END = datetime(2030, 1, 31, 17, 0, tzinfo=UTC)


def _shipment(organization: Organization, reference: str, **fields: object) -> Shipment:
    return Shipment(
        organization=organization,
        reference=reference,
        origin_address="Warehouse 1, Hamburg",
        destination_address="Alexanderplatz 1, Berlin",
        weight_kg=Decimal("12.50"),
        delivery_window_end=WINDOW_END,
        **{"customer_phone": "", **fields},
    )


def test_copied_shipments_have_their_keys_defaults_and_values_and_rows_can_refer_to_them(
    organization: Organization, dispatcher: User
) -> None:
    shipments = [_shipment(organization, f"COPY-{number}") for number in range(3)]

    copy_create(shipments)
    copy_create(
        [
            TrackingEvent(
                shipment=shipment, organization=organization, status="draft", occurred_at=WINDOW_END
            )
            for shipment in shipments
        ]
    )

    stored = {shipment.pk: shipment for shipment in Shipment.unscoped.filter(organization=organization)}
    assert sorted(stored) == sorted(shipment.pk for shipment in shipments)
    for shipment in shipments:
        row = stored[shipment.pk]
        assert (row.reference, row.weight_kg, row.delivery_window_end) == (
            shipment.reference,
            Decimal("12.50"),
            WINDOW_END,
        )
        assert (row.tracking_code, len(row.tracking_code)) == (shipment.tracking_code, 16)
        assert (row.status, row.parcels) == ("draft", 1)
        assert row.created_at is not None
        assert row.tracking_events.get().status == "draft"
    # The keys came from the table's sequence: the next ordinary save takes the one after them.
    later = _shipment(organization, "SAVED-AFTER")
    later.save()
    assert later.pk > max(stored)


def test_a_json_field_is_stored_as_json(organization: Organization, dispatcher: User) -> None:
    job = Job.objects.create(organization=organization, kind="shipment_import", created_by=dispatcher)
    shipment_import = ShipmentImport.unscoped.create(job=job, organization=organization, source="x.csv")
    fields = {"reference": "R-1", "weight_kg": Decimal("1.25"), "pickup_window_start": WINDOW_END}

    copy_create([StagedRow(shipment_import=shipment_import, line=2, reference="R-1", fields=fields)])

    assert StagedRow.objects.get(shipment_import=shipment_import).fields == {
        "reference": "R-1",
        "weight_kg": "1.25",
        "pickup_window_start": "2030-01-31T17:00:00Z",
    }


def test_a_field_left_to_its_database_default_is_refused_before_anything_is_written(
    organization: Organization,
) -> None:
    shipment = Shipment(
        organization=organization, reference="NO-PHONE", origin_address="a", destination_address="b"
    )

    with pytest.raises(ValueError, match="customer_phone has no value"):
        copy_create([shipment])

    assert not Shipment.unscoped.filter(reference="NO-PHONE").exists()
