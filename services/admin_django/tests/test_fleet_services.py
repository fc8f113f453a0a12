from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.core.errors import Conflict
from waybill_django.fleet.models import Vehicle
from waybill_django.fleet.services import vehicle_create, vehicle_retire, vehicle_update
from waybill_django.organizations.models import Organization
from waybill_django.shipments.services import shipment_create, shipment_transition

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_vehicle_with_its_driver_and_it_is_audited(
    organization: Organization, make_member: Callable[..., User], driver: User
) -> None:
    admin = make_member(Role.ADMIN)
    vehicle = vehicle_create(organization=organization, actor=admin, plate="AB-12", driver=driver)

    assert Vehicle.objects.in_organization(organization).get().driver == driver
    assert AuditLog.objects.in_organization(organization).get().action == "vehicle.created"
    vehicle_update(vehicle=vehicle, actor=admin, fields={"active": False})
    assert not Vehicle.unscoped.get().active


def test_a_dispatcher_cannot_manage_the_fleet(organization: Organization, dispatcher: User) -> None:
    with pytest.raises(PermissionDenied, match="manage vehicles"):
        vehicle_create(organization=organization, actor=dispatcher, plate="AB-12")


def test_only_a_driver_of_the_organization_can_be_given_a_vehicle(
    organization: Organization, make_member: Callable[..., User], dispatcher: User
) -> None:
    owner = make_member(Role.OWNER)
    with pytest.raises(ValidationError, match="driver role"):
        vehicle_create(organization=organization, actor=owner, plate="AB-12", driver=dispatcher)
    assert not Vehicle.unscoped.exists()


def test_plates_are_unique_within_an_organization(organization: Organization, staff: User) -> None:
    vehicle_create(organization=organization, actor=staff, plate="AB-12")
    with pytest.raises(ValidationError):
        vehicle_create(organization=organization, actor=staff, plate="AB-12")


def test_a_vehicle_is_retired_only_when_nothing_unfinished_is_on_it(
    organization: Organization, make_member: Callable[..., User], truck: Vehicle
) -> None:
    admin = make_member(Role.ADMIN)
    shipment = shipment_create(
        organization=organization, actor=admin, reference="R-1", origin_address="A", destination_address="B"
    )
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=admin)
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.ASSIGNED, actor=admin, vehicle=truck)
    with pytest.raises(Conflict, match="still has 1 open shipment"):
        vehicle_retire(vehicle=truck, actor=admin)
    shipment_transition(shipment=shipment, to_status=ShipmentStatus.CANCELLED, actor=admin, reason="No")
    vehicle_retire(vehicle=truck, actor=admin)
    truck.refresh_from_db()
    assert not truck.active
    assert AuditLog.objects.in_organization(organization).filter(action="vehicle.retired").exists()
