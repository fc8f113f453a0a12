"""The route problem and its solution, solved by VROOM (pyvroom), with no Django in sight.

Times are whole seconds from the start of the planned day in the organization's
zone; distances are metres along the great circle times a road factor, driven at
one average speed (docs/decisions/0800-route-planning-with-vroom.md). The
benchmark (bench/planner.py) calls :func:`solve` directly on generated problems.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import numpy
import vroom

from waybill_django.core.geo import distance_km

StopKind = Literal["pickup", "delivery"]
Window = tuple[int, int]
# VROOM needs a number for "no limit"; far above any fleet's kilograms or parcels.
UNLIMITED = 10**9
DEPOT = 0


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class VehicleSpec:
    id: int
    capacity_kg: int | None
    capacity_parcels: int | None
    shift: Window


@dataclass(frozen=True)
class ShipmentSpec:
    id: int
    pickup: Point
    delivery: Point
    weight_kg: int
    parcels: int
    pickup_window: Window | None = None
    delivery_window: Window | None = None


@dataclass(frozen=True)
class TravelModel:
    road_factor: float
    speed_kmh: float
    service_seconds: int

    def metres(self, a: Point, b: Point) -> int:
        return round(distance_km(a.latitude, a.longitude, b.latitude, b.longitude) * 1000 * self.road_factor)

    def seconds(self, metres: float) -> int:
        return math.ceil(metres / 1000 / self.speed_kmh * 3600)


@dataclass(frozen=True)
class Problem:
    depot: Point
    vehicles: Sequence[VehicleSpec]
    shipments: Sequence[ShipmentSpec]
    travel: TravelModel

    def points(self) -> list[Point]:
        """The depot, then each shipment's pickup and delivery: location ``1 + 2i`` and ``2 + 2i``."""
        points = [self.depot]
        for shipment in self.shipments:
            points += [shipment.pickup, shipment.delivery]
        return points


@dataclass(frozen=True)
class Stop:
    shipment_id: int
    kind: StopKind
    arrival: int
    point: Point


@dataclass(frozen=True)
class Route:
    vehicle_id: int
    stops: tuple[Stop, ...]
    distance_m: int
    start: int
    end: int


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    unassigned: tuple[int, ...]
    distance_m: int = field(default=0)


def distance_matrix(points: Sequence[Point], *, road_factor: float) -> numpy.ndarray[Any, Any]:
    """Road metres between every pair of points: haversine times the road factor, vectorised."""
    lat = numpy.radians([p.latitude for p in points])
    lon = numpy.radians([p.longitude for p in points])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = (
        numpy.sin(dlat / 2) ** 2
        + numpy.cos(lat)[:, None] * numpy.cos(lat)[None, :] * numpy.sin(dlon / 2) ** 2
    )
    km = 2 * 6371.0 * numpy.arcsin(numpy.sqrt(numpy.clip(a, 0, 1)))
    metres: numpy.ndarray[Any, Any] = numpy.rint(km * 1000 * road_factor).astype("uint32")
    return metres


def solve(
    problem: Problem, *, exploration_level: int = 5, threads: int = 2, timeout_s: float | None = None
) -> Solution:
    """The routes VROOM finds; shipments it could not place are listed in ``unassigned``."""
    if not problem.vehicles or not problem.shipments:
        return Solution(routes=(), unassigned=tuple(s.id for s in problem.shipments))
    points = problem.points()
    metres = distance_matrix(points, road_factor=problem.travel.road_factor)
    seconds = numpy.ceil(metres / 1000 / problem.travel.speed_kmh * 3600).astype("uint32")
    instance = vroom.Input()
    instance.set_durations_matrix("car", seconds)
    instance.set_distances_matrix("car", metres)
    for vehicle in problem.vehicles:
        instance.add_vehicle(
            vroom.Vehicle(
                vehicle.id,
                start=DEPOT,
                end=DEPOT,
                capacity=[vehicle.capacity_kg or UNLIMITED, vehicle.capacity_parcels or UNLIMITED],
                time_window=vroom.TimeWindow(*vehicle.shift),
            )
        )
    service = problem.travel.service_seconds
    for index, shipment in enumerate(problem.shipments):
        instance.add_shipment(
            vroom.ShipmentStep(
                shipment.id,
                location=1 + 2 * index,
                default_service=service,
                time_windows=[vroom.TimeWindow(*shipment.pickup_window)] if shipment.pickup_window else (),
            ),
            vroom.ShipmentStep(
                shipment.id,
                location=2 + 2 * index,
                default_service=service,
                time_windows=[vroom.TimeWindow(*shipment.delivery_window)]
                if shipment.delivery_window
                else (),
            ),
            amount=vroom.Amount([shipment.weight_kg, shipment.parcels]),
        )
    answer = instance.solve(
        exploration_level=exploration_level,
        nb_threads=threads,
        timeout=None if timeout_s is None else timedelta(seconds=timeout_s),
    ).to_dict()
    return _read(answer, points)


def _read(answer: dict[str, Any], points: Sequence[Point]) -> Solution:
    routes = []
    for route in answer.get("routes", []):
        steps = route["steps"]
        stops = tuple(
            Stop(
                shipment_id=int(step["id"]),
                kind="pickup" if step["type"] == "pickup" else "delivery",
                arrival=int(step["arrival"]),
                point=points[int(step["location_index"])],
            )
            for step in steps
            if step["type"] in ("pickup", "delivery")
        )
        routes.append(
            Route(
                vehicle_id=int(route["vehicle"]),
                stops=stops,
                distance_m=int(route.get("distance", 0)),
                start=int(steps[0]["arrival"]),
                end=int(steps[-1]["arrival"]),
            )
        )
    unassigned = tuple(sorted({int(item["id"]) for item in answer.get("unassigned", [])}))
    return Solution(
        routes=tuple(routes),
        unassigned=unassigned,
        distance_m=sum(route.distance_m for route in routes),
    )


def clock(seconds: int) -> str:
    """``HH:MM`` of a time in the day (past midnight: ``+1 HH:MM``)."""
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"+{days} {text}" if days else text


def why_unplannable(problem: Problem, shipment: ShipmentSpec) -> str | None:
    """Why no vehicle can carry this shipment, whatever the others do; None when one could.

    The solver only says *that* it left a shipment out; these are the reasons a
    dispatcher can act on (a bigger vehicle, a wider window, longer hours).
    """
    vehicles = problem.vehicles
    if not vehicles:
        return "There is no vehicle to carry it."
    heaviest = max((v.capacity_kg or UNLIMITED) for v in vehicles)
    if shipment.weight_kg > heaviest:
        return f"It weighs {shipment.weight_kg} kg; the largest vehicle carries {heaviest} kg."
    roomiest = max((v.capacity_parcels or UNLIMITED) for v in vehicles)
    if shipment.parcels > roomiest:
        return f"It has {shipment.parcels} parcels; the roomiest vehicle takes {roomiest}."
    travel = problem.travel
    shift_start = min(v.shift[0] for v in vehicles)
    shift_end = max(v.shift[1] for v in vehicles)
    at_pickup = shift_start + travel.seconds(travel.metres(problem.depot, shipment.pickup))
    if shipment.pickup_window:
        if shipment.pickup_window[1] < at_pickup:
            return (
                f"Its pickup window closes at {clock(shipment.pickup_window[1])}, before a vehicle "
                f"from the depot can be there ({clock(at_pickup)})."
            )
        at_pickup = max(at_pickup, shipment.pickup_window[0])
    at_delivery = (
        at_pickup + travel.service_seconds + travel.seconds(travel.metres(shipment.pickup, shipment.delivery))
    )
    if shipment.delivery_window:
        if shipment.delivery_window[1] < at_delivery:
            return (
                f"Its delivery window closes at {clock(shipment.delivery_window[1])}; "
                f"the earliest it can arrive is {clock(at_delivery)}."
            )
        at_delivery = max(at_delivery, shipment.delivery_window[0])
    back = (
        at_delivery + travel.service_seconds + travel.seconds(travel.metres(shipment.delivery, problem.depot))
    )
    if back > shift_end:
        return (
            f"A vehicle doing only this would be back at the depot at {clock(back)}, "
            f"after working hours end ({clock(shift_end)})."
        )
    return None
