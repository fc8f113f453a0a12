"""The write path of route planning: the depot, asking for a plan, computing it, accepting it.

Accepting assigns each planned shipment through ``shipment_assign``, exactly as
a dispatcher's click on the board does: the same role checks, timeline entry,
audit row and event per shipment, all in one transaction, so a plan is taken
whole or not at all.
"""

import math
import time as clock
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.jobs import JobKind, JobState
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.errors import Conflict
from waybill_django.core.gazetteer import geocode
from waybill_django.core.transactions import unit_of_work
from waybill_django.fleet.models import Vehicle
from waybill_django.jobs.services import job_create, job_fail, job_report_progress, job_start, job_succeed
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.planning.models import Depot, PlannedRoute, PlannedStop, RoutePlan, UnplannedShipment
from waybill_django.planning.selectors import (
    day_start,
    depot_of,
    planning_vehicles,
    shipments_to_plan,
)
from waybill_django.planning.solver import (
    Point,
    Problem,
    ShipmentSpec,
    Solution,
    TravelModel,
    VehicleSpec,
    Window,
    solve,
    why_unplannable,
)
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.services import shipment_assign

LEFT_OUT = (
    "No vehicle had room or time for it beside the other shipments; try more vehicles or wider windows."
)
DAY_OVER = "The working day was over when this plan was computed: plan a later day."
NO_COORDINATES = "It has no coordinates for its {end}: set the address or the pin on the shipment."
# Two days: a window may run past midnight into the next morning; VROOM needs a finite end.
HORIZON = 2 * 86400
# Planning today after the working day began starts from now, rounded up to this many seconds,
# so no ETA lies in the past and the first departure is a time a dispatcher can announce.
START_ROUNDING_SECONDS = 15 * 60


class PlanAlreadyAccepted(Conflict):
    def __init__(self) -> None:
        super().__init__("This plan was already accepted.")


class PlanNotReady(Conflict):
    def __init__(self) -> None:
        super().__init__("This plan has no routes to accept: it is still computing, or it failed.")


class PlanOutdated(Conflict):
    def __init__(self, shipment: Shipment) -> None:
        super().__init__(
            f"{shipment.reference} is no longer booked (it is {shipment.get_status_display().lower()}): "
            "plan the day again."
        )


def travel_model() -> TravelModel:
    return TravelModel(
        road_factor=settings.PLANNING_ROAD_FACTOR,
        speed_kmh=settings.PLANNING_SPEED_KMH,
        service_seconds=settings.PLANNING_SERVICE_MINUTES * 60,
    )


@unit_of_work()
def depot_set(
    *,
    organization: Organization,
    actor: User,
    address: str,
    latitude: float | None,
    longitude: float | None,
    workday_start: time,
    workday_end: time,
) -> Depot:
    """Create or change the organization's depot and working hours; no coordinates: the address's city."""
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_SHIPMENTS)
    if latitude is None or longitude is None:
        place = geocode(address)
        if place is None:
            raise ValidationError(
                {"address": "No city of this name is known here: add the latitude and longitude."}
            )
        latitude, longitude = place.latitude, place.longitude
    depot = Depot.unscoped.select_for_update().filter(organization=organization).first() or Depot(
        organization=organization
    )
    depot.address, depot.latitude, depot.longitude = address, latitude, longitude
    depot.workday_start, depot.workday_end = workday_start, workday_end
    depot.full_clean(validate_unique=False)
    depot.save()
    audit_record(action=AuditAction.DEPOT_UPDATED, target=depot, actor=actor, organization=organization)
    return depot


def route_plan_request(*, organization: Organization, actor: User, day: date) -> RoutePlan:
    """Queue the computation of ``day``'s routes; refuses (``ValidationError``) when there is nothing to plan."""
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_SHIPMENTS)
    depot = depot_of(organization=organization)
    if depot is None:
        raise ValidationError("Set the depot first: where the vehicles start and end their day.")
    if not planning_vehicles(organization=organization).exists():
        raise ValidationError("There is no active vehicle to plan with: add one under Fleet.")
    if day < timezone.localtime(timezone.now(), day_start(organization=organization, day=day).tzinfo).date():
        raise ValidationError(f"{day:%b %-d, %Y} is over: plan today or a later day.")
    if not shipments_to_plan(organization=organization, day=day).exists():
        raise ValidationError(f"There is no booked shipment to plan on {day:%b %-d, %Y}.")
    with unit_of_work():
        job = job_create(organization=organization, kind=JobKind.ROUTE_PLAN, actor=actor)
        plan = RoutePlan.unscoped.create(organization=organization, job=job, day=day)
        audit_record(
            action=AuditAction.ROUTE_PLAN_REQUESTED,
            target=plan,
            actor=actor,
            organization=organization,
            data={"day": day.isoformat()},
        )
    return plan


@dataclass(frozen=True)
class _Work:
    problem: Problem
    start: datetime
    shipments: dict[int, Shipment]
    left_out: dict[int, str]


def route_plan_compute(
    *, job_id: uuid.UUID, dispatch: int = 0, now: datetime | None = None
) -> RoutePlan | None:
    """Solve a queued plan and store its routes; None when the job already finished or was enqueued again.

    ``now`` is the moment of planning (default: the clock's); a plan for that day starts no earlier.
    """
    job = job_start(job_id=job_id, dispatch=dispatch)
    if job is None:
        return None
    plan = RoutePlan.unscoped.select_related("organization").get(job=job)
    try:
        work = _gather(plan, now=now or timezone.now())
        job_report_progress(job=job, done=1, total=4)
        began = clock.perf_counter()
        solution = solve(work.problem, timeout_s=settings.PLANNING_SOLVER_SECONDS)
        solve_ms = round((clock.perf_counter() - began) * 1000)
        job_report_progress(job=job, done=3, total=4)
    except OperationalError:
        raise  # transient: the task retries, and the job starts over
    except Exception as error:
        job_fail(job=job, error=f"{type(error).__name__}: {error}")
        raise
    with unit_of_work():
        _store(plan, work, solution, solve_ms=solve_ms)
        job_succeed(job=job)
    return plan


def _gather(plan: RoutePlan, *, now: datetime) -> _Work:
    organization = plan.organization
    depot = depot_of(organization=organization)
    if depot is None:
        raise ValidationError("The depot was removed.")
    start = day_start(organization=organization, day=plan.day)
    shift = shift_of(depot=depot, day_starts_at=start, now=now)
    vehicles = [
        VehicleSpec(
            id=vehicle.pk,
            capacity_kg=vehicle.capacity_kg,
            capacity_parcels=vehicle.capacity_parcels,
            shift=shift,
        )
        for vehicle in planning_vehicles(organization=organization)
    ]
    travel = travel_model()
    shipments = {s.pk: s for s in shipments_to_plan(organization=organization, day=plan.day)}
    depot_point = Point(depot.latitude, depot.longitude)
    specs, left_out = [], {}
    bare = Problem(depot=depot_point, vehicles=vehicles, shipments=(), travel=travel)
    day_over = shift[0] >= shift[1]
    for shipment in shipments.values():
        if day_over:
            left_out[shipment.pk] = DAY_OVER
            continue
        spec, reason = _spec(shipment, start)
        if spec is not None:
            reason = why_unplannable(bare, spec)
        if spec is None or reason is not None:
            left_out[shipment.pk] = reason or LEFT_OUT
        else:
            specs.append(spec)
    problem = Problem(depot=depot_point, vehicles=vehicles, shipments=specs, travel=travel)
    return _Work(problem=problem, start=start, shipments=shipments, left_out=left_out)


def _spec(shipment: Shipment, start: datetime) -> tuple[ShipmentSpec | None, str | None]:
    if shipment.origin_latitude is None or shipment.origin_longitude is None:
        return None, NO_COORDINATES.format(end="origin")
    if shipment.destination_latitude is None or shipment.destination_longitude is None:
        return None, NO_COORDINATES.format(end="destination")
    pickup = _window(shipment.pickup_window_start, shipment.pickup_window_end, start)
    delivery = _window(shipment.delivery_window_start, shipment.delivery_window_end, start)
    if pickup == "past" or delivery == "past":
        return None, "Its window ended before this day starts."
    assert not isinstance(pickup, str)
    assert not isinstance(delivery, str)
    return (
        ShipmentSpec(
            id=shipment.pk,
            pickup=Point(shipment.origin_latitude, shipment.origin_longitude),
            delivery=Point(shipment.destination_latitude, shipment.destination_longitude),
            weight_kg=math.ceil(shipment.weight_kg or 0),
            parcels=shipment.parcels,
            pickup_window=pickup,
            delivery_window=delivery,
        ),
        None,
    )


def _window(opens: datetime | None, closes: datetime | None, start: datetime) -> Window | str | None:
    if opens is None and closes is None:
        return None
    begin = 0 if opens is None else max(0, int((opens - start).total_seconds()))
    end = HORIZON if closes is None else min(HORIZON, int((closes - start).total_seconds()))
    if end < 0:
        return "past"
    return (min(begin, end), end)


def shift_of(*, depot: Depot, day_starts_at: datetime, now: datetime) -> tuple[int, int]:
    """The vehicles' working hours in seconds from ``day_starts_at``: the depot's, begun no earlier than now.

    Today after the configured start, the day starts from now rounded up to the quarter hour
    (never after the end: a day already over has no time left, and every shipment says so).
    """
    opens, closes = _seconds(depot.workday_start), _seconds(depot.workday_end)
    elapsed = (
        math.ceil((now - day_starts_at).total_seconds() / START_ROUNDING_SECONDS) * START_ROUNDING_SECONDS
    )
    return (min(max(opens, elapsed), closes), closes)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _store(plan: RoutePlan, work: _Work, solution: Solution, *, solve_ms: int) -> None:
    organization_id = plan.organization_id
    vehicles = Vehicle.unscoped.in_bulk([route.vehicle_id for route in solution.routes])
    stops: list[PlannedStop] = []
    for route in solution.routes:
        planned = PlannedRoute.unscoped.create(
            organization_id=organization_id,
            plan=plan,
            vehicle=vehicles[route.vehicle_id],
            distance_m=route.distance_m,
            starts_at=work.start + timedelta(seconds=route.start),
            ends_at=work.start + timedelta(seconds=route.end),
        )
        stops += [
            PlannedStop(
                organization_id=organization_id,
                route=planned,
                position=position,
                shipment=work.shipments[stop.shipment_id],
                kind=stop.kind,
                arrives_at=work.start + timedelta(seconds=stop.arrival),
            )
            for position, stop in enumerate(route.stops, start=1)
        ]
    PlannedStop.unscoped.bulk_create(stops)
    left_out = {**work.left_out, **dict.fromkeys(solution.unassigned, LEFT_OUT)}
    UnplannedShipment.unscoped.bulk_create(
        UnplannedShipment(
            organization_id=organization_id, plan=plan, shipment=work.shipments[shipment_id], reason=reason
        )
        for shipment_id, reason in sorted(
            left_out.items(), key=lambda item: work.shipments[item[0]].reference
        )
    )
    plan.distance_m = solution.distance_m
    plan.solve_ms = solve_ms
    plan.save(update_fields=["distance_m", "solve_ms"])


@unit_of_work()
def route_plan_accept(*, plan: RoutePlan, actor: User) -> RoutePlan:
    """Assign every planned shipment to its route's vehicle, as if each were assigned by hand."""
    check_permission(actor=actor, organization=plan.organization_id, action=Action.MANAGE_SHIPMENTS)
    locked = RoutePlan.unscoped.select_for_update().select_related("job").get(pk=plan.pk)
    if locked.accepted_at is not None:
        raise PlanAlreadyAccepted
    if locked.job.state != JobState.SUCCEEDED.value:
        raise PlanNotReady
    assigned = 0
    for route in PlannedRoute.unscoped.filter(plan=locked).select_related("vehicle"):
        for stop in PlannedStop.unscoped.filter(route=route, kind="pickup").select_related("shipment"):
            shipment = stop.shipment
            if shipment.status != ShipmentStatus.BOOKED.value:
                raise PlanOutdated(shipment)
            shipment_assign(shipment=shipment, vehicle=route.vehicle, actor=actor)
            assigned += 1
    locked.accepted_at = timezone.now()
    locked.accepted_by = actor
    locked.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action=AuditAction.ROUTE_PLAN_ACCEPTED,
        target=locked,
        actor=actor,
        organization=locked.organization,
        data={"assigned": assigned},
    )
    plan.refresh_from_db()
    return plan
