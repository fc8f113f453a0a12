import pytest

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.personas import DEMO_PASSWORD, DEMO_TEAM, demo_email
from waybill_django.accounts.models import User
from waybill_django.demo.seed import seed_demo
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership
from waybill_django.shipments.models import Shipment

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_demo_once(redis_url: str) -> None:
    seed_demo()
    counts = (User.objects.count(), Membership.unscoped.count(), Shipment.unscoped.count())
    seed_demo()

    assert (User.objects.count(), Membership.unscoped.count(), Shipment.unscoped.count()) == counts
    assert counts == (4, 4, 8)


def test_the_demo_sign_in_works_and_shipments_span_the_workflow(redis_url: str) -> None:
    seed_demo()

    assert User.objects.get(email=demo_email(Role.DISPATCHER)).check_password(DEMO_PASSWORD)
    statuses = set(Shipment.unscoped.values_list("status", flat=True))
    assert statuses == set(ShipmentStatus)
    assert Vehicle.unscoped.filter(driver__email=demo_email(Role.DRIVER)).exists()


def test_the_demo_is_staffed_from_the_shared_personas(redis_url: str) -> None:
    seed_demo()

    for member in DEMO_TEAM:
        user = User.objects.get(email=member.email)
        assert user.full_name == member.persona.full_name
        assert Membership.unscoped.get(user=user).role == member.role
    assert User.objects.get(email=demo_email(Role.OWNER)).is_staff
