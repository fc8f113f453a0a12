from collections.abc import Callable

import pytest
from django.test import Client

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition


@pytest.fixture
def members(make_member: Callable[..., User], driver: User) -> dict[Role, User]:
    """One person per role in Acme Freight (the driver drives ``truck``)."""
    return {
        Role.OWNER: make_member(Role.OWNER),
        Role.ADMIN: make_member(Role.ADMIN),
        Role.DISPATCHER: make_member(Role.DISPATCHER),
        Role.DRIVER: driver,
        Role.VIEWER: make_member(Role.VIEWER),
    }


@pytest.fixture
def signed_in(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def make_shipment(organization: Organization, members: dict[Role, User]) -> Callable[..., Shipment]:
    def make(
        reference: str,
        *through: ShipmentStatus,
        vehicle: Vehicle | None = None,
        org: Organization | None = None,
        actor: User | None = None,
        **details: object,
    ) -> Shipment:
        who = actor or members[Role.DISPATCHER]
        shipment = shipment_create(
            organization=org or organization,
            actor=who,
            reference=reference,
            customer_name=f"Customer of {reference}",
            origin_address="1 Quay, Rotterdam",
            origin_latitude=51.90,
            origin_longitude=4.46,
            destination_address="2 Street, Utrecht",
            destination_latitude=52.09,
            destination_longitude=5.12,
            **details,
        )
        for status in through:
            shipment = shipment_transition(
                shipment=shipment,
                to_status=status,
                actor=who,
                vehicle=vehicle,
                reason="Flat tyre",
                recipient_name="R",
            )
        return shipment

    return make


@pytest.fixture
def elsewhere(other_organization: Organization) -> tuple[User, Shipment, Vehicle]:
    """A dispatcher of another organization, with a shipment and a vehicle of theirs."""
    outsider = User.objects.create_user("dispatcher@other.test", "correct horse battery")
    Membership.objects.create(user=outsider, organization=other_organization, role=Role.DISPATCHER)
    vehicle = Vehicle.unscoped.create(organization=other_organization, plate="OTH-1")
    shipment = shipment_create(
        organization=other_organization,
        actor=outsider,
        reference="OTHER-1",
        origin_address="Elsewhere 1",
        destination_address="Elsewhere 2",
    )
    return outsider, shipment, vehicle
