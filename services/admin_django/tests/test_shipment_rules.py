"""The rules of the shipment write path beyond who may move what."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.core.tenancy import UnscopedQuery
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import ProofOfDelivery, Shipment, TrackingEvent
from waybill_django.shipments.services import (
    ShipmentNotEditable,
    shipment_assign,
    shipment_deliver,
    shipment_report_exception,
    shipment_resolve_exception,
    shipment_update_details,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def shipment_at(
    organization: Organization, status: ShipmentStatus, vehicle: Vehicle | None = None
) -> Shipment:
    return Shipment.unscoped.create(
        organization=organization,
        reference=f"WB-{status.value}",
        origin_address="1 Quay",
        destination_address="2 Street",
        status=status.value,
        vehicle=vehicle,
    )


def test_the_driver_delivers_with_a_photo_and_the_proof_is_kept(
    organization: Organization, driver: User, truck: Vehicle
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)

    shipment_deliver(
        shipment=shipment,
        actor=driver,
        recipient_name="Jo at reception",
        note="Left at the desk",
        photo=SimpleUploadedFile("door.png", PNG, content_type="image/png"),
    )

    proof = ProofOfDelivery.objects.get(shipment=shipment)
    assert (proof.recipient_name, proof.recorded_by) == ("Jo at reception", driver)
    with proof.photo.open("rb") as photo:
        assert photo.read() == PNG
    assert TrackingEvent.unscoped.get(shipment=shipment).note == "Received by Jo at reception"


def test_a_proof_is_stored_under_a_name_the_server_chose_with_the_extension_of_its_real_type(
    organization: Organization, driver: User, truck: Vehicle
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)
    polyglot = PNG + b"<script>alert(document.cookie)</script>"

    shipment_deliver(
        shipment=shipment,
        actor=driver,
        recipient_name="Jo",
        photo=SimpleUploadedFile("evil.html", polyglot, content_type="text/html"),
        signature=SimpleUploadedFile("../../sig.svg", PNG, content_type="image/svg+xml"),
    )

    proof = ProofOfDelivery.objects.get(shipment=shipment)
    for stored, folder in ((proof.photo.name, "proof/photos/"), (proof.signature.name, "proof/signatures/")):
        assert re.fullmatch(rf"{folder}\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.png", str(stored)), stored
    with proof.photo.open("rb") as photo:
        assert photo.read() == polyglot


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png"),
            "PNG, JPEG or WebP",
        ),
        (SimpleUploadedFile("x.png", PNG + b"\x00" * 2048, content_type="image/png"), "larger than"),
    ],
    ids=["not an image", "too large"],
)
@override_settings(PROOF_OF_DELIVERY_MAX_BYTES=1024)
def test_a_proof_upload_that_is_not_a_small_image_is_refused_and_the_shipment_stays_in_transit(
    organization: Organization, driver: User, truck: Vehicle, upload: SimpleUploadedFile, message: str
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)

    with pytest.raises(ValidationError, match=message):
        shipment_deliver(shipment=shipment, actor=driver, recipient_name="Jo", photo=upload)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert not ProofOfDelivery.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_exception_records_its_reason_and_resolving_returns_to_where_it_left(
    organization: Organization, dispatcher: User, driver: User, truck: Vehicle
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.PICKED_UP, truck)

    shipment_report_exception(shipment=shipment, actor=driver, reason="Road closed")
    assert (shipment.status, shipment.exception_reason) == (ShipmentStatus.EXCEPTION, "Road closed")

    shipment_resolve_exception(shipment=shipment, actor=dispatcher)
    assert (shipment.status, shipment.exception_reason) == (ShipmentStatus.PICKED_UP, "")


def test_an_exception_needs_a_reason(organization: Organization, driver: User, truck: Vehicle) -> None:
    shipment = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)
    with pytest.raises(ValidationError, match="what went wrong"):
        shipment_report_exception(shipment=shipment, actor=driver, reason="  ")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT


def test_a_shipment_cannot_be_assigned_to_another_organizations_vehicle(
    organization: Organization, other_organization: Organization, dispatcher: User
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.BOOKED)
    foreign = Vehicle.unscoped.create(organization=other_organization, plate="OTHER-1")

    with pytest.raises(ValidationError, match="another organization"):
        shipment_assign(shipment=shipment, vehicle=foreign, actor=dispatcher)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.vehicle) == (ShipmentStatus.BOOKED, None)


def test_details_can_be_edited_while_booked_but_not_once_on_the_road(
    organization: Organization, dispatcher: User, truck: Vehicle
) -> None:
    booked = shipment_at(organization, ShipmentStatus.BOOKED)
    shipment_update_details(shipment=booked, actor=dispatcher, fields={"parcels": 3, "weight_kg": 120})
    assert booked.parcels == 3

    moving = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)
    with pytest.raises(
        ShipmentNotEditable, match="Once a shipment is in transit, these details are fixed: parcels"
    ):
        shipment_update_details(shipment=moving, actor=dispatcher, fields={"parcels": 3})
    shipment_update_details(shipment=moving, actor=dispatcher, fields={"customer_name": "Corrected"})
    assert moving.customer_name == "Corrected", "the delivery's contact may still be corrected"


def test_a_delivery_window_that_ends_before_it_starts_is_refused(
    organization: Organization, dispatcher: User
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.DRAFT)
    with pytest.raises(ValidationError):
        shipment_update_details(
            shipment=shipment,
            actor=dispatcher,
            fields={
                "delivery_window_start": "2026-01-02T10:00:00Z",
                "delivery_window_end": "2026-01-02T09:00:00Z",
            },
        )


def test_a_tenant_query_that_forgets_the_organization_fails_loudly(organization: Organization) -> None:
    shipment_at(organization, ShipmentStatus.DRAFT)

    with pytest.raises(UnscopedQuery, match="in_organization"):
        list(Shipment.objects.filter(status="draft"))
    with pytest.raises(UnscopedQuery):
        Shipment.objects.count()

    assert Shipment.objects.in_organization(organization).filter(status="draft").count() == 1
    assert Shipment.objects.in_organization(organization.pk + 1000).count() == 0


def test_a_delivery_needs_who_received_it_whichever_entry_point_records_it(
    organization: Organization, driver: User, truck: Vehicle
) -> None:
    shipment = shipment_at(organization, ShipmentStatus.IN_TRANSIT, truck)

    with pytest.raises(ValidationError) as refused:
        shipment_deliver(shipment=shipment, actor=driver, recipient_name="   ")

    assert refused.value.message_dict == {"recipient_name": ["Say who received the shipment."]}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert not ProofOfDelivery.objects.filter(shipment=shipment).exists()
