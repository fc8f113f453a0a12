"""The dispatch board: what each vehicle holds, its capacity left, and unassigning through the workflow."""

from collections.abc import Callable
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_contracts.enums import ShipmentStatus as S
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.shipments.models import Shipment, TrackingEvent


def test_each_vehicle_card_lists_its_shipments_and_the_capacity_left(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    Vehicle.unscoped.filter(pk=truck.pk).update(capacity_kg=100, capacity_parcels=10)
    make_shipment("LOAD-1", S.BOOKED, S.ASSIGNED, vehicle=truck, weight_kg=Decimal("30.5"), parcels=2)
    make_shipment(
        "LOAD-2", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck, weight_kg=Decimal("40"), parcels=3
    )
    make_shipment("WAITING-1", S.BOOKED, weight_kg=Decimal("50"))
    page = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:dispatch")).content.decode()
    card = page[page.index(f'data-vehicle-id="{truck.pk}"') :]
    card = card[: card.index("</article>")]
    assert "LOAD-1" in card
    assert "LOAD-2" in card
    assert "WAITING-1" not in card
    assert "2 shipments · 5 parcels · 70.5 kg" in card
    assert "29.5 of 100 kg left" in card
    assert "5 of 10 parcels left" in card
    assert card.count(">Unassign</button>") == 1, "only the shipment not yet picked up can be unassigned"


def test_an_overloaded_vehicle_says_by_how_much(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    Vehicle.unscoped.filter(pk=truck.pk).update(capacity_kg=20, capacity_parcels=1)
    make_shipment("HEAVY-1", S.BOOKED, S.ASSIGNED, vehicle=truck, weight_kg=Decimal("25"), parcels=3)
    page = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:dispatch")).content.decode()
    assert "<strong>5 kg over</strong> its 20 kg" in page
    assert "<strong>2 parcels over</strong> its 1" in page
    assert "load--over" in page


def test_unassigning_puts_the_shipment_back_to_booked_through_the_workflow(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("OFF-1", S.BOOKED, S.ASSIGNED, vehicle=truck)
    client = signed_in(members[Role.DISPATCHER])
    response = client.post(reverse("dashboard:dispatch_unassign"), {"shipment": shipment.pk})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == S.BOOKED
    assert shipment.vehicle_id is None
    event = TrackingEvent.unscoped.filter(shipment=shipment).latest("occurred_at")
    assert (event.previous_status, event.status) == (S.ASSIGNED, S.BOOKED)
    assert event.note == f"Unassigned from {truck.plate}"
    assert AuditLog.unscoped.filter(action="shipment.booked", target_id=str(shipment.pk)).exists()
    page = client.get(reverse("dashboard:dispatch")).content.decode()
    waiting = page[page.index('id="waiting-title"') : page.index('id="vehicles-title"')]
    assert "OFF-1" in waiting


def test_a_picked_up_shipment_cannot_be_unassigned_and_nothing_changes(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("ON-1", S.BOOKED, S.ASSIGNED, S.PICKED_UP, vehicle=truck)
    client = signed_in(members[Role.DISPATCHER])
    response = client.post(reverse("dashboard:dispatch_unassign"), {"shipment": shipment.pk}, follow=True)
    assert "cannot go from picked_up to booked" in response.content.decode()
    shipment.refresh_from_db()
    assert (shipment.status, shipment.vehicle_id) == (S.PICKED_UP, truck.pk)


def test_drivers_and_viewers_cannot_unassign(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("OFF-2", S.BOOKED, S.ASSIGNED, vehicle=truck)
    for role in (Role.DRIVER, Role.VIEWER):
        response = signed_in(members[role]).post(
            reverse("dashboard:dispatch_unassign"), {"shipment": shipment.pk}
        )
        assert response.status_code == 403
    assert Shipment.unscoped.get(pk=shipment.pk).status == S.ASSIGNED


def test_the_detail_page_offers_unassign_for_an_assigned_shipment(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    truck: Vehicle,
) -> None:
    shipment = make_shipment("OFF-3", S.BOOKED, S.ASSIGNED, vehicle=truck)
    page = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:shipment", args=[shipment.pk]))
    assert "Unassign from the vehicle" in page.content.decode()
