"""The demo organization and its people, for ``make up`` (development only)."""

from dataclasses import dataclass

from django.db import transaction

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_create, shipment_transition

# A development password, printed by `make up`; never use it elsewhere.
DEMO_PASSWORD = "waybill-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    is_staff: bool = False


DEMO_USERS = (
    DemoUser("admin@demo.waybill.test", "Ada Admin", Role.OWNER, is_staff=True),
    DemoUser("dispatcher@demo.waybill.test", "Dana Dispatcher", Role.DISPATCHER),
    DemoUser("driver@demo.waybill.test", "Dmitri Driver", Role.DRIVER),
    DemoUser("viewer@demo.waybill.test", "Vera Viewer", Role.VIEWER),
)

# (reference, customer, from, to, the statuses it goes through after draft)
DEMO_SHIPMENTS = (
    ("DEMO-1001", "Corner Bakery", "12 Dock Road, Rotterdam", "3 Market Square, Utrecht", ()),
    (
        "DEMO-1002",
        "Hardware Hub",
        "12 Dock Road, Rotterdam",
        "88 Canal Street, Amsterdam",
        (ShipmentStatus.BOOKED,),
    ),
    (
        "DEMO-1003",
        "Green Grocer",
        "5 Freight Lane, Antwerp",
        "19 Station Road, Eindhoven",
        (ShipmentStatus.BOOKED, ShipmentStatus.ASSIGNED, ShipmentStatus.PICKED_UP, ShipmentStatus.IN_TRANSIT),
    ),
    (
        "DEMO-1004",
        "Book Nook",
        "5 Freight Lane, Antwerp",
        "7 Harbour Quay, Ghent",
        (
            ShipmentStatus.BOOKED,
            ShipmentStatus.ASSIGNED,
            ShipmentStatus.PICKED_UP,
            ShipmentStatus.IN_TRANSIT,
            ShipmentStatus.DELIVERED,
        ),
    ),
)


@transaction.atomic
def seed_demo() -> Organization:
    """Create what is missing; running it again changes nothing."""
    organization, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo Logistics"})
    users: dict[Role, User] = {}
    for demo_user in DEMO_USERS:
        user = User.objects.filter(email=demo_user.email).first()
        if user is None:
            user = User.objects.create_user(
                demo_user.email,
                DEMO_PASSWORD,
                full_name=demo_user.full_name,
                is_staff=demo_user.is_staff,
                is_superuser=demo_user.is_staff,
            )
        Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"role": demo_user.role}
        )
        users[demo_user.role] = user

    dispatcher = users[Role.DISPATCHER]
    for reference, customer, origin, destination, statuses in DEMO_SHIPMENTS:
        if Shipment.objects.filter(organization=organization, reference=reference).exists():
            continue
        shipment = shipment_create(
            organization=organization,
            actor=dispatcher,
            reference=reference,
            customer_name=customer,
            customer_email=f"{reference.lower()}@customer.waybill.test",
            origin_address=origin,
            destination_address=destination,
        )
        for status in statuses:
            shipment = shipment_transition(shipment=shipment, to_status=status, actor=dispatcher)
    return organization
