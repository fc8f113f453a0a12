"""The route planner: solve time and total distance as shipments and vehicles grow.

    make bench BENCH=planner      (make bench-smoke: one tiny problem)

Each problem is generated with a fixed seed around a depot in Rotterdam:
pickups and deliveries within 20 km, 20 kg and 1 parcel each, vans of 500 kg
and 30 parcels, a working day of 08:00-18:00 and no shipment windows, so that
a nearest-neighbour tour (the bare ceiling: from where the van is, go to the
closest pickup it has room for or delivery it carries) solves the same problem.
The solver is called directly, without Django, as the worker's service calls it.
"""

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import stages
from report import Section

from waybill_django.core.geo import distance_km
from waybill_django.planning.solver import Point, Problem, ShipmentSpec, TravelModel, VehicleSpec, solve

matplotlib.use("Agg")
from matplotlib import pyplot

SIZES = ((25, 3), (50, 5), (100, 10), (125, 12))
SMOKE_SIZES = ((10, 2),)
DEPOT = Point(51.9225, 4.4792)
TRAVEL = TravelModel(road_factor=1.3, speed_kmh=50, service_seconds=300)
SEED = 14


@dataclass(frozen=True)
class Measured:
    shipments: int
    vehicles: int
    seconds: float
    distance_km: float
    unassigned: int
    nearest_km: float


def _around(rng: random.Random, radius_km: float) -> Point:
    bearing, reach = rng.uniform(0, 2 * math.pi), radius_km * math.sqrt(rng.random())
    return Point(
        DEPOT.latitude + reach / 111.2 * math.cos(bearing),
        DEPOT.longitude + reach / (111.2 * math.cos(math.radians(DEPOT.latitude))) * math.sin(bearing),
    )


def problem(shipments: int, vehicles: int) -> Problem:
    rng = random.Random(SEED * 1000 + shipments)  # noqa: S311 -- repeatable test data, not a secret
    return Problem(
        depot=DEPOT,
        vehicles=[
            VehicleSpec(id=n + 1, capacity_kg=500, capacity_parcels=30, shift=(8 * 3600, 18 * 3600))
            for n in range(vehicles)
        ],
        shipments=[
            ShipmentSpec(
                id=n + 1, pickup=_around(rng, 20), delivery=_around(rng, 20), weight_kg=20, parcels=1
            )
            for n in range(shipments)
        ],
        travel=TRAVEL,
    )


def _km(a: Point, b: Point) -> float:
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude) * TRAVEL.road_factor


def nearest_neighbour_km(task: Problem) -> float:
    """Share the shipments evenly; each van takes the closest next step it may (capacity, pickup first)."""
    share = math.ceil(len(task.shipments) / len(task.vehicles))
    waiting = list(task.shipments)
    total = 0.0
    for vehicle in task.vehicles:
        at, load, taken = task.depot, 0, 0
        on_board: list[ShipmentSpec] = []
        while on_board or (waiting and taken < share):
            steps = [(s.delivery, s, "drop") for s in on_board]
            if taken < share:
                steps += [
                    (s.pickup, s, "take") for s in waiting if load + s.weight_kg <= (vehicle.capacity_kg or 0)
                ]
            point, shipment, kind = min(steps, key=lambda step: _km(at, step[0]))
            total += _km(at, point)
            at = point
            if kind == "take":
                waiting.remove(shipment)
                on_board.append(shipment)
                load += shipment.weight_kg
                taken += 1
            else:
                on_board.remove(shipment)
                load -= shipment.weight_kg
        total += _km(at, task.depot)
    return total


def measure(shipments: int, vehicles: int) -> Measured:
    task = problem(shipments, vehicles)
    began = time.perf_counter()
    solution = solve(task)
    seconds = time.perf_counter() - began
    return Measured(
        shipments=shipments,
        vehicles=vehicles,
        seconds=seconds,
        distance_km=solution.distance_m / 1000,
        unassigned=len(solution.unassigned),
        nearest_km=nearest_neighbour_km(task),
    )


def run(out: Path, *, smoke: bool) -> Section:
    results = [measure(shipments, vehicles) for shipments, vehicles in (SMOKE_SIZES if smoke else SIZES)]
    stages.lap(stages.MEASURE, f"{len(results)} problems")
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(10, 4))
    x = [r.shipments for r in results]
    left.plot(x, [r.seconds for r in results], marker="o")
    left.set_xlabel("shipments (vehicles grow with them)")
    left.set_ylabel("solve time (s)")
    right.plot(x, [r.distance_km for r in results], marker="o", label="VROOM")
    right.plot(x, [r.nearest_km for r in results], marker="s", label="nearest neighbour")
    right.set_xlabel("shipments")
    right.set_ylabel("total distance (km)")
    right.legend()
    figure.tight_layout()
    plot = out / "planner.png"
    figure.savefig(plot)
    pyplot.close(figure)
    largest = results[-1]
    return Section(
        name="planner",
        title="Route planner (VROOM)",
        summary=(
            f"{largest.shipments} shipments on {largest.vehicles} vans solve in {largest.seconds:.1f} s "
            f"for {largest.distance_km:.0f} km, {largest.distance_km / largest.nearest_km:.0%} of a "
            "nearest-neighbour tour of the same problem."
        ),
        table_header=[
            "shipments",
            "vehicles",
            "solve (s)",
            "distance (km)",
            "nearest neighbour (km)",
            "ratio",
            "unassigned",
        ],
        table_rows=[
            [
                str(r.shipments),
                str(r.vehicles),
                f"{r.seconds:.2f}",
                f"{r.distance_km:.0f}",
                f"{r.nearest_km:.0f}",
                f"{r.distance_km / r.nearest_km:.2f}",
                str(r.unassigned),
            ]
            for r in results
        ],
        notes=[
            "Solved with pyvroom at exploration level 5 on 2 threads; distances are the great circle times 1.3 "
            "at 50 km/h with 5 minutes per stop (docs/decisions/0800-route-planning-with-vroom.md).",
        ],
        plots=[plot],
    )
