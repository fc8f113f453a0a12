"""Plan the day: a dispatcher asks, the planner proposes routes, accepting assigns as if by hand."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.jobs import JobState
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization
from waybill_django.outbox.models import OutboxMessage
from waybill_django.planning.models import Depot, PlannedStop, RoutePlan
from waybill_django.planning.selectors import route_plan_get
from waybill_django.planning.services import (
    DAY_OVER,
    PlanAlreadyAccepted,
    PlanOutdated,
    depot_set,
    route_plan_accept,
    route_plan_compute,
    route_plan_request,
    shift_of,
)
from waybill_django.shipments.models import Shipment, TrackingEvent
from waybill_django.shipments.services import shipment_assign, shipment_create, shipment_transition

pytestmark = pytest.mark.django_db

# A day ahead, so no test depends on the hour it runs at; planning *today* passes a fixed `now`.
DAY = timezone.now().date() + timedelta(days=7)
ROTTERDAM = (51.9225, 4.4792)
DELFT = (52.0116, 4.3571)
GOUDA = (52.0115, 4.7105)
DORDRECHT = (51.8133, 4.6901)
SCHIEDAM = (51.9192, 4.3883)


def at(hour: int, minute: int = 0, *, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+00:00")


@pytest.fixture
def dispatcher(organization: Organization) -> User:
    user = User.objects.create_user("dispatcher@acme.test", "correct horse battery")
    Membership.objects.create(user=user, organization=organization, role=Role.DISPATCHER)
    return user


@pytest.fixture
def depot(organization: Organization, dispatcher: User) -> None:
    depot_set(
        organization=organization,
        actor=dispatcher,
        address="Waalhaven 1, Rotterdam",
        latitude=ROTTERDAM[0],
        longitude=ROTTERDAM[1],
        workday_start=time(8),
        workday_end=time(18),
    )


@pytest.fixture
def vans(organization: Organization, driver: User) -> list[Vehicle]:
    return [
        Vehicle.unscoped.create(
            organization=organization, plate="VAN-1", capacity_kg=500, capacity_parcels=20, driver=driver
        ),
        Vehicle.unscoped.create(
            organization=organization, plate="VAN-2", capacity_kg=500, capacity_parcels=20
        ),
    ]


@pytest.fixture
def book(organization: Organization, dispatcher: User) -> Callable[..., Shipment]:
    def make(
        reference: str,
        to: tuple[float, float],
        *,
        origin: tuple[float, float] = SCHIEDAM,
        **details: Any,
    ) -> Shipment:
        details.setdefault("pickup_window_start", at(8))
        details.setdefault("pickup_window_end", at(12))
        shipment = shipment_create(
            organization=organization,
            actor=dispatcher,
            reference=reference,
            origin_address=f"Origin of {reference}",
            origin_latitude=origin[0],
            origin_longitude=origin[1],
            destination_address=f"Destination of {reference}",
            destination_latitude=to[0],
            destination_longitude=to[1],
            **details,
        )
        return shipment_transition(shipment=shipment, to_status=ShipmentStatus.BOOKED, actor=dispatcher)

    return make


def planned(organization: Organization, dispatcher: User, *, now: datetime | None = None) -> RoutePlan:
    plan = route_plan_request(organization=organization, actor=dispatcher, day=DAY)
    computed = route_plan_compute(job_id=plan.job_id, now=now)
    assert computed is not None
    return route_plan_get(organization=organization, plan_id=plan.pk)


@pytest.mark.usefixtures("depot", "vans")
def test_the_plan_puts_each_pickup_before_its_delivery_within_the_windows(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    for reference, to in [("P-1", DELFT), ("P-2", GOUDA), ("P-3", DORDRECHT)]:
        book(reference, to, delivery_window_start=at(9), delivery_window_end=at(16))

    plan = planned(organization, dispatcher)

    assert plan.job.state == JobState.SUCCEEDED
    stops = [stop for route in plan.routes.all() for stop in route.stops.all()]
    assert sorted(stop.shipment.reference for stop in stops if stop.kind == "pickup") == ["P-1", "P-2", "P-3"]
    for route in plan.routes.all():
        order = [(stop.shipment.reference, stop.kind) for stop in route.stops.all()]
        for reference, _ in order:
            assert order.index((reference, "pickup")) < order.index((reference, "delivery"))
        times = [stop.arrives_at for stop in route.stops.all()]
        assert times == sorted(times)
        assert route.starts_at >= at(8)
        assert route.ends_at <= at(18)
    for stop in stops:
        if stop.kind == "delivery":
            assert at(9) <= stop.arrives_at <= at(16)
    assert plan.distance_m > 0
    assert not plan.unplanned.exists()


@pytest.mark.usefixtures("depot", "vans")
def test_what_cannot_be_planned_is_listed_with_the_reason(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    book("OK-1", DELFT)
    book("HEAVY", GOUDA, weight_kg=Decimal("900"))
    book("TOO-SOON", DORDRECHT, pickup_window_start=at(8), pickup_window_end=at(8))
    book("MANY", DELFT, parcels=40)
    book("LATE-DROP", GOUDA, delivery_window_start=at(7), delivery_window_end=at(8, 10))

    plan = planned(organization, dispatcher)

    reasons = {item.shipment.reference: item.reason for item in plan.unplanned.all()}
    assert reasons == {
        "HEAVY": "It weighs 900 kg; the largest vehicle carries 500 kg.",
        "MANY": "It has 40 parcels; the roomiest vehicle takes 20.",
        "TOO-SOON": reasons["TOO-SOON"],
        "LATE-DROP": reasons["LATE-DROP"],
    }
    assert reasons["TOO-SOON"].startswith(
        "Its pickup window closes at 08:00, before a vehicle from the depot"
    )
    assert reasons["LATE-DROP"].startswith(
        "Its delivery window closes at 08:10; the earliest it can arrive is"
    )
    planned_references = {
        stop.shipment.reference for route in plan.routes.all() for stop in route.stops.all()
    }
    assert planned_references == {"OK-1"}


@pytest.mark.usefixtures("depot")
def test_no_vehicle_carries_more_than_its_capacity_at_once(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment], driver: User
) -> None:
    Vehicle.unscoped.create(organization=organization, plate="SMALL-1", capacity_kg=100, driver=driver)
    Vehicle.unscoped.create(organization=organization, plate="SMALL-2", capacity_kg=100)
    for n, to in enumerate([DELFT, GOUDA, DORDRECHT]):
        book(f"C-{n}", to, weight_kg=Decimal("80"))

    plan = planned(organization, dispatcher)

    loads = []
    for route in plan.routes.all():
        on_board, peak = 0, 0
        for stop in route.stops.all():
            on_board += 80 if stop.kind == "pickup" else -80
            peak = max(peak, on_board)
        loads.append(peak)
    # All three wait at the same origin: without the limit a van would load them together.
    assert loads
    assert max(loads) <= 100
    assert not plan.unplanned.exists()


@pytest.mark.usefixtures("depot", "vans")
def test_accepting_assigns_each_shipment_through_the_workflow(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    shipments = [book("A-1", DELFT), book("A-2", GOUDA)]
    plan = planned(organization, dispatcher)
    events_before = OutboxMessage.objects.count()

    route_plan_accept(plan=plan, actor=dispatcher)

    vehicle_of = {
        stop.shipment_id: route.vehicle_id for route in plan.routes.all() for stop in route.stops.all()
    }
    for shipment in shipments:
        shipment.refresh_from_db()
        assert shipment.status == ShipmentStatus.ASSIGNED
        assert shipment.vehicle_id == vehicle_of[shipment.pk]
        entry = TrackingEvent.objects.in_organization(organization).filter(shipment=shipment).last()
        assert entry is not None
        assert entry.actor == dispatcher
        assert entry.note.startswith("Assigned to VAN-")
    assert (
        AuditLog.objects.in_organization(organization)
        .filter(action="shipment.assigned", actor=dispatcher)
        .count()
        == 2
    )
    assert AuditLog.objects.in_organization(organization).filter(action="route_plan.accepted").count() == 1
    assert OutboxMessage.objects.count() == events_before + 2
    with pytest.raises(PlanAlreadyAccepted):
        route_plan_accept(plan=plan, actor=dispatcher)


@pytest.mark.usefixtures("depot", "vans")
def test_a_plan_overtaken_by_a_hand_assignment_is_refused_whole(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment], vans: list[Vehicle]
) -> None:
    first, second = book("O-1", DELFT), book("O-2", GOUDA)
    plan = planned(organization, dispatcher)
    shipment_assign(shipment=second, vehicle=vans[1], actor=dispatcher)

    with pytest.raises(PlanOutdated, match="O-2 is no longer booked"):
        route_plan_accept(plan=plan, actor=dispatcher)

    first.refresh_from_db()
    assert first.status == ShipmentStatus.BOOKED, "nothing of the plan was applied"
    plan.refresh_from_db()
    assert plan.accepted_at is None


def test_nothing_to_plan_is_said_plainly(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment], driver: User
) -> None:
    with pytest.raises(ValidationError, match="Set the depot first"):
        route_plan_request(organization=organization, actor=dispatcher, day=DAY)
    depot_set(
        organization=organization,
        actor=dispatcher,
        address="Depot",
        latitude=ROTTERDAM[0],
        longitude=ROTTERDAM[1],
        workday_start=time(8),
        workday_end=time(18),
    )
    with pytest.raises(ValidationError, match="no active vehicle"):
        route_plan_request(organization=organization, actor=dispatcher, day=DAY)
    Vehicle.unscoped.create(organization=organization, plate="VAN-1", driver=driver)
    with pytest.raises(ValidationError, match=f"no booked shipment to plan on {DAY:%b %-d, %Y}"):
        route_plan_request(organization=organization, actor=dispatcher, day=DAY)
    assert not RoutePlan.objects.in_organization(organization).exists()


@pytest.mark.usefixtures("depot", "vans")
def test_drivers_and_viewers_may_not_plan(
    organization: Organization, book: Callable[..., Shipment], driver: User, dispatcher: User
) -> None:
    book("R-1", DELFT)
    viewer = User.objects.create_user("viewer@acme.test", "correct horse battery")
    Membership.objects.create(user=viewer, organization=organization, role=Role.VIEWER)
    for someone in (driver, viewer):
        with pytest.raises(PermissionDenied):
            route_plan_request(organization=organization, actor=someone, day=DAY)
    plan = planned(organization, dispatcher)
    with pytest.raises(PermissionDenied):
        route_plan_accept(plan=plan, actor=driver)


@pytest.mark.usefixtures("depot")
def test_the_pages_show_the_plan_its_map_and_the_drivers_stops_in_order(
    client: Client, organization: Organization, dispatcher: User, book: Callable[..., Shipment], driver: User
) -> None:
    # Today, because the driver's phone lists today's stops; planned as if asked before the day began.
    today = timezone.now().date()
    Vehicle.unscoped.create(organization=organization, plate="VAN-1", driver=driver)
    book(
        "<b>M-1</b>",
        DELFT,
        pickup_window_start=at(8, day=today),
        pickup_window_end=at(12, day=today),
        delivery_window_start=at(9, day=today),
        delivery_window_end=at(17, day=today),
    )
    book("M-2", GOUDA, pickup_window_start=at(8, day=today), pickup_window_end=at(12, day=today))
    client.force_login(dispatcher)

    asked = client.post(reverse("dashboard:planning"), {"day": today.isoformat()})
    plan = RoutePlan.objects.in_organization(organization).get()
    assert asked.status_code == 302
    assert asked["Location"] == reverse("dashboard:route_plan", args=[plan.pk])
    waiting = client.get(asked["Location"]).content.decode()
    assert 'id="plan-progress"' in waiting
    assert f'data-live-job="{plan.job_id}"' in waiting
    route_plan_compute(job_id=plan.job_id, now=at(6, day=today))

    page = client.get(asked["Location"]).content.decode()
    assert "Accept the plan" in page
    assert "&lt;b&gt;M-1&lt;/b&gt;" in page
    assert "<b>M-1</b>" not in page
    data = client.get(reverse("dashboard:route_plan_data", args=[plan.pk])).json()
    stops = [stop for route in data["routes"] for stop in route["stops"]]
    assert {stop["reference"] for stop in stops} == {"<b>M-1</b>", "M-2"}
    assert data["depot"]["address"] == "Waalhaven 1, Rotterdam"
    assert all(stop["eta"].endswith("UTC") for stop in stops)

    accepted = client.post(reverse("dashboard:route_plan_accept", args=[plan.pk]))
    assert accepted.status_code == 302
    assert "Accepted" in client.get(accepted["Location"]).content.decode()

    client.force_login(driver)
    phone = client.get(reverse("dashboard:driver")).content.decode()
    mine = PlannedStop.objects.in_organization(organization).filter(route__vehicle__driver=driver)
    expected = [(s.get_kind_display(), s.address) for s in mine.order_by("position")]
    assert expected, "the driver's van has stops"
    listed = phone[phone.index('id="driver-stops"') :]
    places = [listed.index(escape(address)) for _, address in expected]
    assert places == sorted(places), "the stops are listed in driving order"


def test_the_planning_page_shows_why_it_cannot_plan(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    response = client.post(reverse("dashboard:planning"), {"day": DAY.isoformat()})
    assert response.status_code == 400
    assert "Set the depot first" in response.content.decode()


def test_a_depot_given_by_its_city_is_located(
    client: Client, organization: Organization, dispatcher: User
) -> None:
    client.force_login(dispatcher)
    saved = client.post(
        reverse("dashboard:planning_depot"),
        {"address": "Waalhaven 1, Rotterdam", "workday_start": "07:30", "workday_end": "17:00"},
    )
    assert saved.status_code == 302
    refused = client.post(
        reverse("dashboard:planning_depot"),
        {"address": "Nowhere In Particular", "workday_start": "07:30", "workday_end": "17:00"},
    )
    assert refused.status_code == 400
    assert "No city of this name is known here" in refused.content.decode()
    depot = organization.depot
    depot.refresh_from_db()
    assert (round(depot.latitude, 2), round(depot.longitude, 2)) == (51.92, 4.48)
    assert depot.workday_start == time(7, 30)


def test_the_working_day_starts_from_now_rounded_up_to_the_quarter_hour(
    organization: Organization, dispatcher: User
) -> None:
    depot = Depot(organization=organization, workday_start=time(8), workday_end=time(18))
    midnight = at(0)
    assert shift_of(depot=depot, day_starts_at=midnight, now=at(6)) == (8 * 3600, 18 * 3600)
    assert shift_of(depot=depot, day_starts_at=midnight, now=at(10, 7)) == (10 * 3600 + 15 * 60, 18 * 3600)
    assert shift_of(depot=depot, day_starts_at=midnight, now=at(10, 30)) == (10 * 3600 + 30 * 60, 18 * 3600)
    assert shift_of(depot=depot, day_starts_at=midnight, now=at(19)) == (18 * 3600, 18 * 3600)


@pytest.mark.usefixtures("depot", "vans")
def test_planning_today_after_the_day_began_starts_from_now(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    book("LATER-1", DELFT, pickup_window_start=at(8), pickup_window_end=at(16))
    book("LATER-2", GOUDA, pickup_window_start=at(8), pickup_window_end=at(16))
    book("MISSED", DORDRECHT, pickup_window_start=at(8), pickup_window_end=at(10))

    plan = planned(organization, dispatcher, now=at(10, 7))

    stops = [stop for route in plan.routes.all() for stop in route.stops.all()]
    assert {stop.shipment.reference for stop in stops} == {"LATER-1", "LATER-2"}
    assert min(stop.arrives_at for stop in stops) >= at(10, 15)
    assert all(route.starts_at >= at(10, 15) for route in plan.routes.all())
    reasons = {item.shipment.reference: item.reason for item in plan.unplanned.all()}
    assert reasons["MISSED"].startswith("Its pickup window closes at 10:00, before a vehicle from the depot")


@pytest.mark.usefixtures("depot", "vans")
def test_a_plan_computed_after_the_working_day_ended_leaves_everything_out_saying_why(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    book("EVENING", DELFT, pickup_window_start=None, pickup_window_end=None)

    plan = planned(organization, dispatcher, now=at(18, 30))

    assert not plan.routes.exists()
    assert [(item.shipment.reference, item.reason) for item in plan.unplanned.all()] == [
        ("EVENING", DAY_OVER)
    ]


@pytest.mark.usefixtures("depot", "vans")
def test_a_day_in_the_past_is_not_planned(
    organization: Organization, dispatcher: User, book: Callable[..., Shipment]
) -> None:
    yesterday = timezone.now().date() - timedelta(days=1)
    book("GONE", DELFT, pickup_window_start=at(8, day=yesterday), pickup_window_end=at(12, day=yesterday))

    with pytest.raises(ValidationError, match=f"{yesterday:%b %-d, %Y} is over"):
        route_plan_request(organization=organization, actor=dispatcher, day=yesterday)
    assert not RoutePlan.objects.in_organization(organization).exists()
