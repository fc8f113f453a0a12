"""The pick-up confirmed by the parcel's label: its QR code's URL or the code typed from it."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.labels import label_code_of, label_matches, tracking_url
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.services import (
    shipment_assign,
    shipment_create,
    shipment_pick_up,
    shipment_transition,
)

pytestmark = pytest.mark.django_db


def _assigned(organization: Organization, dispatcher: User, driver: User, reference: str) -> Shipment:
    van = Vehicle.unscoped.get_or_create(
        organization=organization, plate="VAN-1", defaults={"driver": driver}
    )[0]
    shipment = shipment_create(
        organization=organization,
        actor=dispatcher,
        reference=reference,
        origin_address="1 Quay",
        destination_address="2 Street",
    )
    shipment = shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=dispatcher)
    return shipment_assign(shipment=shipment, vehicle=van, actor=dispatcher)


def test_a_label_is_read_from_its_qr_codes_url_or_from_the_code_typed() -> None:
    assert label_code_of("https://waybill.example/t/AbC-12_x/") == "AbC-12_x"
    assert label_code_of("  AbC-12_x \n") == "AbC-12_x"
    assert label_code_of("") == ""


def test_only_the_shipments_own_label_matches(
    organization: Organization, dispatcher: User, driver: User
) -> None:
    mine = _assigned(organization, dispatcher, driver, "MINE")
    other = _assigned(organization, dispatcher, driver, "OTHER")

    assert label_matches(shipment=mine, scanned=tracking_url(shipment=mine))
    assert label_matches(shipment=mine, scanned=mine.tracking_code)
    assert not label_matches(shipment=mine, scanned=tracking_url(shipment=other))
    assert not label_matches(shipment=mine, scanned=mine.tracking_code.swapcase())
    assert not label_matches(shipment=mine, scanned="")


def test_the_right_label_records_the_pick_up(
    organization: Organization, dispatcher: User, driver: User
) -> None:
    shipment = _assigned(organization, dispatcher, driver, "RIGHT")

    picked = shipment_pick_up(shipment=shipment, actor=driver, label_code=tracking_url(shipment=shipment))

    assert picked.status == ShipmentStatus.PICKED_UP
    assert (
        TrackingEvent.objects.in_organization(organization)
        .filter(shipment=shipment, status="picked_up")
        .exists()
    )


def test_another_shipments_label_is_refused_and_nothing_is_recorded(
    organization: Organization, dispatcher: User, driver: User
) -> None:
    shipment = _assigned(organization, dispatcher, driver, "WANTED")
    other = _assigned(organization, dispatcher, driver, "ELSE")
    events, audits, outbox = (
        TrackingEvent.unscoped.count(),
        AuditLog.unscoped.count(),
        OutboxMessage.objects.count(),
    )

    with pytest.raises(ValidationError) as refused:
        shipment_pick_up(shipment=shipment, actor=driver, label_code=tracking_url(shipment=other))

    assert refused.value.message_dict["label_code"] == [
        f"This is not the label of WANTED (it reads {other.tracking_code}): check that you have the right "
        "parcel. The pick-up is not recorded."
    ]
    assert Shipment.unscoped.get(pk=shipment.pk).status == ShipmentStatus.ASSIGNED
    assert (TrackingEvent.unscoped.count(), AuditLog.unscoped.count(), OutboxMessage.objects.count()) == (
        events,
        audits,
        outbox,
    )


def test_a_label_does_not_let_someone_without_the_right_pick_up(
    organization: Organization, dispatcher: User, driver: User, make_member: Callable[..., User]
) -> None:
    shipment = _assigned(organization, dispatcher, driver, "VIEWED")
    viewer = make_member(Role.VIEWER)

    with pytest.raises(PermissionDenied):
        shipment_pick_up(shipment=shipment, actor=viewer, label_code=shipment.tracking_code)
