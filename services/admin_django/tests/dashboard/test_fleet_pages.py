"""The fleet page: owners and admins add, edit and retire vehicles and give them drivers."""

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_transition


def test_an_admin_adds_a_vehicle_with_a_driver_picked_by_name(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    driver = members[Role.DRIVER]
    driver.full_name = "Dana Driver"
    driver.save()
    client = signed_in(members[Role.ADMIN])
    fleet = client.get(reverse("dashboard:fleet")).content.decode()
    assert f'href="{reverse("dashboard:vehicle_new")}"' in fleet

    form = client.get(reverse("dashboard:vehicle_new")).content.decode()
    # Only members with the driver role are offered, by name.
    assert f'<option value="{driver.pk}">Dana Driver (driver@acme.test)</option>' in form
    assert members[Role.DISPATCHER].email not in form

    response = client.post(
        reverse("dashboard:vehicle_new"),
        {"plate": "nl-42-ab", "label": "Van 7", "capacity_kg": "1200", "driver": driver.pk},
    )
    assert response["Location"] == reverse("dashboard:fleet")
    vehicle = Vehicle.objects.in_organization(organization).get(plate="NL-42-AB")
    assert (vehicle.label, vehicle.capacity_kg, vehicle.driver, vehicle.active) == (
        "Van 7",
        1200,
        driver,
        True,
    )
    assert AuditLog.objects.in_organization(organization).filter(action="vehicle.created").exists()
    page = client.get(reverse("dashboard:fleet")).content.decode()
    assert "NL-42-AB" in page
    assert "Dana Driver" in page
    assert "NL-42-AB is in the fleet." in page


def test_a_duplicate_plate_or_a_foreign_driver_is_refused_beside_the_field(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    truck: Vehicle,
    make_member: Callable[..., User],
    other_organization: Organization,
) -> None:
    outsider = make_member(Role.DRIVER, "driver@other.test", org=other_organization)
    client = signed_in(members[Role.OWNER])
    response = client.post(
        reverse("dashboard:vehicle_new"), {"plate": "trk-1", "capacity_kg": "-3", "driver": outsider.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Another vehicle of this organization has this plate." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Select a valid choice." in page
    assert Vehicle.unscoped.count() == 1


def test_an_admin_changes_the_driver_and_the_change_is_audited(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    truck: Vehicle,
    make_member: Callable[..., User],
    organization: Organization,
) -> None:
    second = make_member(Role.DRIVER, "second@acme.test")
    client = signed_in(members[Role.ADMIN])
    edit = reverse("dashboard:vehicle_edit", args=[truck.pk])
    assert 'value="TRK-1"' in client.get(edit).content.decode()
    response = client.post(edit, {"plate": "TRK-1", "label": "Big truck", "driver": second.pk})
    assert response["Location"] == reverse("dashboard:fleet")
    truck.refresh_from_db()
    assert (truck.label, truck.driver) == ("Big truck", second)
    log = AuditLog.objects.in_organization(organization).get(action="vehicle.updated")
    assert log.data == {"changed": ["driver", "label"]}


def test_retiring_a_vehicle_on_the_road_is_refused_and_an_idle_one_is_retired(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    truck: Vehicle,
    make_shipment: Callable[..., Shipment],
) -> None:
    shipment = make_shipment("R-1", ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED, vehicle=truck)
    client = signed_in(members[Role.ADMIN])
    retire = reverse("dashboard:vehicle_retire", args=[truck.pk])
    page = client.post(retire, follow=True).content.decode()
    assert "TRK-1 still has 1 open shipment: reassign or finish them before retiring it." in page
    assert Vehicle.unscoped.get(pk=truck.pk).active

    shipment_transition(
        shipment=shipment, to_status=ShipmentStatus.CANCELLED, actor=members[Role.ADMIN], reason="No"
    )
    page = client.post(retire, follow=True).content.decode()
    assert "TRK-1 is retired" in page
    assert "Retired" in page
    assert not Vehicle.unscoped.get(pk=truck.pk).active
    # A retired vehicle is no longer offered for dispatch.
    assert f'data-vehicle-id="{truck.pk}"' not in client.get(reverse("dashboard:dispatch")).content.decode()
    client.post(reverse("dashboard:vehicle_restore", args=[truck.pk]))
    assert Vehicle.unscoped.get(pk=truck.pk).active


def test_dispatchers_and_viewers_see_the_fleet_but_cannot_change_it(
    members: dict[Role, User], signed_in: Callable[[User], Client], truck: Vehicle
) -> None:
    for role in (Role.DISPATCHER, Role.VIEWER, Role.DRIVER):
        client = signed_in(members[role])
        page = client.get(reverse("dashboard:fleet")).content.decode()
        assert "TRK-1" in page
        assert "Add vehicle" not in page
        assert "Retire" not in page
        assert client.get(reverse("dashboard:vehicle_new")).status_code == 403
        assert client.post(reverse("dashboard:vehicle_retire", args=[truck.pk])).status_code == 403
        assert (
            client.post(reverse("dashboard:vehicle_edit", args=[truck.pk]), {"plate": "X"}).status_code == 403
        )
    truck.refresh_from_db()
    assert (truck.plate, truck.active) == ("TRK-1", True)


def test_another_organizations_vehicle_is_not_found(
    members: dict[Role, User], signed_in: Callable[[User], Client], elsewhere: tuple[User, Shipment, Vehicle]
) -> None:
    _, _, foreign = elsewhere
    client = signed_in(members[Role.OWNER])
    assert client.get(reverse("dashboard:vehicle_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("dashboard:vehicle_retire", args=[foreign.pk])).status_code == 404


def test_a_new_organizations_overview_shows_a_checklist_until_it_can_dispatch(
    make_member: Callable[..., User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    owner = make_member(Role.OWNER)
    client = signed_in(owner)
    page = client.get(reverse("dashboard:overview")).content.decode()
    assert "Get started" in page
    assert f'href="{reverse("dashboard:vehicle_new")}">Add your vehicles' in page
    assert 'data-step="vehicle" data-done="false"' in page

    Vehicle.unscoped.create(organization=organization, plate="V-1")
    page = client.get(reverse("dashboard:overview")).content.decode()
    assert 'data-step="vehicle" data-done="true"' in page
    assert 'data-step="driver" data-done="false"' in page

    make_member(Role.DRIVER)
    new = {"reference": "FIRST-1", "origin_address": "A", "destination_address": "B", "parcels": "1"}
    assert client.post(reverse("dashboard:shipment_new"), new).status_code == 302
    assert "Get started" not in client.get(reverse("dashboard:overview")).content.decode()
