"""The back office's bulk actions go through the workflow functions and report refusals."""

import pytest
from django.test import Client

from waybill_contracts.enums import ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/shipments/shipment/"


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def make(
    organization: Organization, reference: str, status: ShipmentStatus, vehicle: Vehicle | None = None
) -> Shipment:
    return Shipment.unscoped.create(
        organization=organization,
        reference=reference,
        origin_address="a",
        destination_address="b",
        status=status,
        vehicle=vehicle,
    )


def run_action(client: Client, action: str, shipments: list[Shipment], **extra: str) -> str:
    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(s.pk) for s in shipments], **extra},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_cancel_cancels_what_may_be_and_names_what_may_not(
    staff_client: Client, organization: Organization, truck: Vehicle
) -> None:
    booked = make(organization, "B-1", ShipmentStatus.BOOKED)
    moving = make(organization, "M-1", ShipmentStatus.IN_TRANSIT, truck)

    page = run_action(staff_client, "cancel_shipments", [booked, moving], reason="Customer called")

    booked.refresh_from_db()
    moving.refresh_from_db()
    assert (booked.status, moving.status) == (ShipmentStatus.CANCELLED, ShipmentStatus.IN_TRANSIT)
    assert "Cancelled 1 shipment(s)." in page
    assert "M-1: A shipment cannot go from in_transit to cancelled." in page
    assert TrackingEvent.unscoped.get(shipment=booked).note == "Customer called"


def test_assign_to_a_vehicle_puts_booked_shipments_on_it(
    staff_client: Client, organization: Organization, truck: Vehicle
) -> None:
    shipments = [make(organization, f"B-{n}", ShipmentStatus.BOOKED) for n in range(2)]

    run_action(staff_client, "assign_to_vehicle", shipments, vehicle=str(truck.pk))

    assert set(Shipment.unscoped.values_list("status", "vehicle_id")) == {(ShipmentStatus.ASSIGNED, truck.pk)}
    assert AuditLog.unscoped.filter(action="shipment.assigned").count() == 2


def test_assign_without_a_vehicle_changes_nothing(staff_client: Client, organization: Organization) -> None:
    shipment = make(organization, "B-1", ShipmentStatus.BOOKED)
    assert "Choose a vehicle" in run_action(staff_client, "assign_to_vehicle", [shipment])
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED


def test_mark_exception_records_the_reason(
    staff_client: Client, organization: Organization, truck: Vehicle
) -> None:
    shipment = make(organization, "M-1", ShipmentStatus.IN_TRANSIT, truck)

    run_action(staff_client, "mark_exception", [shipment], reason="Damaged pallet")

    shipment.refresh_from_db()
    assert (shipment.status, shipment.exception_reason) == (ShipmentStatus.EXCEPTION, "Damaged pallet")


def test_the_shipment_page_shows_its_timeline(
    staff_client: Client, organization: Organization, truck: Vehicle
) -> None:
    shipment = make(organization, "B-1", ShipmentStatus.BOOKED)
    run_action(staff_client, "assign_to_vehicle", [shipment], vehicle=str(truck.pk))

    page = staff_client.get(f"{CHANGELIST}{shipment.pk}/change/").content.decode()
    assert "<td>booked</td><td>assigned</td><td>Assigned to TRK-1</td>" in page


def test_the_audit_log_is_read_only(staff_client: Client, organization: Organization, truck: Vehicle) -> None:
    shipment = make(organization, "B-1", ShipmentStatus.BOOKED)
    run_action(staff_client, "assign_to_vehicle", [shipment], vehicle=str(truck.pk))
    entry = AuditLog.unscoped.get()

    assert staff_client.get("/admin/audit/auditlog/").status_code == 200
    assert staff_client.get("/admin/audit/auditlog/add/").status_code == 403
    staff_client.post(f"/admin/audit/auditlog/{entry.pk}/delete/", {"post": "yes"})
    assert AuditLog.unscoped.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/shipments/shipment/",
        "/admin/shipments/trackingevent/",
        "/admin/shipments/proofofdelivery/",
        "/admin/fleet/vehicle/",
        "/admin/fleet/position/",
        "/admin/audit/auditlog/",
        "/admin/organizations/organization/",
        "/admin/organizations/membership/",
        "/admin/organizations/invitation/",
        "/admin/api/apitoken/",
        "/admin/api/idempotencykey/",
        "/admin/accounts/user/",
    ],
)
def test_each_back_office_list_opens(staff_client: Client, url: str, organization: Organization) -> None:
    assert staff_client.get(url).status_code == 200
