"""The demo organization and its people, for ``make up`` (development only)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.personas import DEMO_PASSWORD, DEMO_TEAM
from waybill_django.accounts.models import User
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Vehicle
from waybill_django.fleet.services import vehicle_create
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition

_TO_TRANSIT = (
    ShipmentStatus.BOOKED,
    ShipmentStatus.ASSIGNED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
)


@dataclass(frozen=True)
class DemoPlace:
    address: str
    latitude: float
    longitude: float


ROTTERDAM = DemoPlace("12 Dock Road, Rotterdam", 51.9036, 4.4660)
ANTWERP = DemoPlace("5 Freight Lane, Antwerp", 51.2637, 4.3780)
UTRECHT = DemoPlace("3 Market Square, Utrecht", 52.0907, 5.1214)
AMSTERDAM = DemoPlace("88 Canal Street, Amsterdam", 52.3676, 4.9041)
EINDHOVEN = DemoPlace("19 Station Road, Eindhoven", 51.4416, 5.4697)
GHENT = DemoPlace("7 Harbour Quay, Ghent", 51.0543, 3.7174)

# (plate, label, capacity in kg, driven by the demo driver)
DEMO_VEHICLES = (("WB-01-TRK", "Truck 1", 12_000, True), ("WB-02-VAN", "Van 2", 1_500, False))

# (reference, customer, from, to, the statuses it goes through after draft): one shipment per status.
DEMO_SHIPMENTS = (
    ("DEMO-1001", "Corner Bakery", ROTTERDAM, UTRECHT, ()),
    ("DEMO-1002", "Hardware Hub", ROTTERDAM, AMSTERDAM, (ShipmentStatus.BOOKED,)),
    ("DEMO-1003", "Green Grocer", ANTWERP, EINDHOVEN, _TO_TRANSIT),
    ("DEMO-1004", "Book Nook", ANTWERP, GHENT, (*_TO_TRANSIT, ShipmentStatus.DELIVERED)),
    ("DEMO-1005", "Toy Town", ROTTERDAM, EINDHOVEN, (ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED)),
    (
        "DEMO-1006",
        "Flower Stall",
        AMSTERDAM,
        UTRECHT,
        (ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED, ShipmentStatus.PICKED_UP),
    ),
    ("DEMO-1007", "Paper Mill", GHENT, ANTWERP, (ShipmentStatus.BOOKED, ShipmentStatus.CANCELLED)),
    ("DEMO-1008", "Coffee Corner", UTRECHT, ROTTERDAM, (*_TO_TRANSIT, ShipmentStatus.EXCEPTION)),
)


@unit_of_work()
def seed_demo() -> Organization:
    """Create what is missing; running it again changes nothing."""
    organization, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo Logistics"})
    users: dict[Role, User] = {}
    for demo_user in DEMO_TEAM:
        user = User.objects.filter(email=demo_user.email).first()
        if user is None:
            user = User.objects.create_user(
                demo_user.email,
                DEMO_PASSWORD,
                full_name=demo_user.persona.full_name,
                is_staff=demo_user.is_staff,
                is_superuser=demo_user.is_staff,
            )
        # Demo addresses count as verified, so the demo users sign in at once.
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.in_organization(organization).get_or_create(
            user=user, organization=organization, defaults={"role": demo_user.role}
        )
        users[demo_user.role] = user

    owner, dispatcher, driver = users[Role.OWNER], users[Role.DISPATCHER], users[Role.DRIVER]
    vehicles = []
    for plate, label, capacity_kg, driven in DEMO_VEHICLES:
        vehicle = Vehicle.objects.in_organization(organization).filter(plate=plate).first()
        if vehicle is None:
            vehicle = vehicle_create(
                organization=organization,
                actor=owner,
                plate=plate,
                label=label,
                capacity_kg=capacity_kg,
                driver=driver if driven else None,
            )
        vehicles.append(vehicle)

    existing = set(Shipment.objects.in_organization(organization).values_list("reference", flat=True))
    for reference, customer, origin, destination, statuses in DEMO_SHIPMENTS:
        if reference in existing:
            continue
        shipment = shipment_create(
            organization=organization,
            actor=dispatcher,
            reference=reference,
            customer_name=customer,
            customer_email=f"{reference.lower()}@customer.waybill.test",
            origin_address=origin.address,
            origin_latitude=origin.latitude,
            origin_longitude=origin.longitude,
            destination_address=destination.address,
            destination_latitude=destination.latitude,
            destination_longitude=destination.longitude,
            parcels=len(reference) % 5 + 1,
        )
        for status in statuses:
            shipment = shipment_transition(
                shipment=shipment,
                to_status=status,
                actor=dispatcher,
                vehicle=vehicles[0],
                reason="Demo: customer closed" if status is ShipmentStatus.EXCEPTION else "",
                recipient_name=customer,
            )
    return organization
