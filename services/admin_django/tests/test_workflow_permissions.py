"""Every workflow move by every persona: who may make it, and that a refusal writes nothing."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.services import shipment_transition
from waybill_django.shipments.workflow import TransitionNotAllowed

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Move:
    current: S
    target: S
    left_for_exception: S | None = None

    def __str__(self) -> str:
        via = f"({self.left_for_exception.value})" if self.left_for_exception else ""
        return f"{self.current.value}{via}->{self.target.value}"


MOVES = [
    Move(S.DRAFT, S.BOOKED),
    Move(S.DRAFT, S.CANCELLED),
    Move(S.BOOKED, S.ASSIGNED),
    Move(S.BOOKED, S.CANCELLED),
    Move(S.ASSIGNED, S.PICKED_UP),
    Move(S.ASSIGNED, S.BOOKED),
    Move(S.ASSIGNED, S.CANCELLED),
    Move(S.ASSIGNED, S.EXCEPTION),
    Move(S.PICKED_UP, S.IN_TRANSIT),
    Move(S.PICKED_UP, S.EXCEPTION),
    Move(S.IN_TRANSIT, S.DELIVERED),
    Move(S.IN_TRANSIT, S.EXCEPTION),
    *(Move(S.EXCEPTION, left, left) for left in (S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT)),
    *(Move(S.EXCEPTION, S.CANCELLED, left) for left in (S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT)),
]

OFFICE = {"owner", "admin", "dispatcher"}
# What the business expects, written out by hand rather than derived from the permission table.
WHO_MAY = {
    S.BOOKED: OFFICE,
    S.ASSIGNED: OFFICE,
    S.CANCELLED: OFFICE,
    S.PICKED_UP: OFFICE | {"driver of the vehicle"},
    S.IN_TRANSIT: OFFICE | {"driver of the vehicle"},
    S.DELIVERED: OFFICE | {"driver of the vehicle"},
    S.EXCEPTION: OFFICE | {"driver of the vehicle"},
}
PERSONAS = [
    "owner",
    "admin",
    "dispatcher",
    "driver of the vehicle",
    "another driver",
    "viewer",
    "owner of another organization",
]


def who_may(move: Move) -> set[str]:
    if move.current is S.EXCEPTION and move.target is not S.CANCELLED:
        return OFFICE  # resolving an exception is the office's call
    return WHO_MAY[move.target]


@pytest.fixture
def persona(
    organization: Organization,
    other_organization: Organization,
    make_member: Callable[..., User],
    driver: User,
) -> Callable[[str], User]:
    def get(name: str) -> User:
        match name:
            case "driver of the vehicle":
                return driver
            case "another driver":
                return make_member(Role.DRIVER, email="other-driver@acme.test")
            case "owner of another organization":
                return make_member(Role.OWNER, email="owner@other.test", org=other_organization)
            case _:
                return make_member(Role(name))

    return get


def shipment_in(move: Move, organization: Organization, truck: Vehicle) -> Shipment:
    on_vehicle = move.current not in {S.DRAFT, S.BOOKED}
    return Shipment.unscoped.create(
        organization=organization,
        reference="WB-1",
        origin_address="1 Quay",
        destination_address="2 Street",
        status=move.current.value,
        status_before_exception=move.left_for_exception.value if move.left_for_exception else "",
        vehicle=truck if on_vehicle else None,
    )


def written() -> tuple[int, int, int]:
    return TrackingEvent.unscoped.count(), AuditLog.unscoped.count(), OutboxMessage.objects.count()


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("move", MOVES, ids=str)
def test_each_move_is_made_by_exactly_the_roles_allowed_to(
    move: Move,
    name: str,
    persona: Callable[[str], User],
    organization: Organization,
    truck: Vehicle,
) -> None:
    actor = persona(name)
    shipment = shipment_in(move, organization, truck)

    def attempt() -> Shipment:
        return shipment_transition(
            shipment=shipment,
            to_status=move.target,
            actor=actor,
            vehicle=truck,
            reason="Flat tyre",
            recipient_name="Jo Customer",
        )

    if name in who_may(move):
        attempt()
        shipment.refresh_from_db()
        assert shipment.status == move.target
        assert written() == (1, 1, 1), "one timeline entry, one audit entry, one event"
        event = OutboxMessage.objects.get().payload
        assert (event["previous_status"], event["status"]) == (move.current.value, move.target.value)
    else:
        with pytest.raises(PermissionDenied):
            attempt()
        shipment.refresh_from_db()
        assert shipment.status == move.current
        assert written() == (0, 0, 0)


VALID = {(move.current, move.target) for move in MOVES}
INVALID = [
    (current, target)
    for current in S
    for target in S
    if target is not S.DRAFT and (current, target) not in VALID and current is not target
]


@pytest.mark.parametrize("name", ["owner", "dispatcher"])
@pytest.mark.parametrize(("current", "target"), INVALID, ids=lambda s: s.value)
def test_a_move_the_workflow_forbids_is_refused_for_everyone_and_writes_nothing(
    current: S,
    target: S,
    name: str,
    persona: Callable[[str], User],
    organization: Organization,
    truck: Vehicle,
) -> None:
    actor = persona(name)
    shipment = shipment_in(
        Move(current, target, S.ASSIGNED if current is S.EXCEPTION else None), organization, truck
    )

    with pytest.raises(TransitionNotAllowed, match=f"from {current.value} to {target.value}"):
        shipment_transition(
            shipment=shipment, to_status=target, actor=actor, vehicle=truck, reason="x", recipient_name="Jo"
        )

    shipment.refresh_from_db()
    assert shipment.status == current
    assert written() == (0, 0, 0)
