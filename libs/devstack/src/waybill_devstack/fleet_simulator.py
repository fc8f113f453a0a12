"""The demo fleet for ``make up``: drives the demo organization's vehicles so the dashboard moves at once.

It is a device client like any other: it signs in to the realtime service as
the demo dispatcher and reports positions through ``POST /v1/telemetry``
once a second. Only the routes come from the database (a real device knows
where it is going; this one reads its shipments' origins and destinations).
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import psycopg

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email

DEMO_ORGANIZATION_SLUG = "demo"
DEMO_DISPATCHER = demo_email(Role.DISPATCHER)
TICK_SECONDS = 1.0
# A leg takes this long whatever its length: fast enough to see on the map.
LEG_SECONDS = 120.0

Point = tuple[float, float]


@dataclass
class SimulatedVehicle:
    vehicle_id: int
    route: list[Point]
    progress: float = 0.0
    """Legs travelled so far, fractional; the route is driven back and forth."""

    def advance(self, seconds: float) -> tuple[Point, float, float]:
        """Move on; return the new point, the speed in km/h and the heading in degrees."""
        legs = len(self.route) - 1
        self.progress = (self.progress + seconds / LEG_SECONDS) % (2 * legs)
        forward = self.progress < legs
        position = self.progress if forward else 2 * legs - self.progress
        leg = min(int(position), legs - 1)
        start, end = (self.route[leg], self.route[leg + 1])
        fraction = position - leg
        point = (start[0] + (end[0] - start[0]) * fraction, start[1] + (end[1] - start[1]) * fraction)
        if not forward:
            start, end = end, start
        speed = _distance_km(self.route[leg], self.route[leg + 1]) / (LEG_SECONDS / 3600)
        return point, min(speed, 130.0), _heading(start, end)


def load_fleet(database_url: str) -> list[SimulatedVehicle]:
    """The demo organization's active vehicles, each with the route of the shipments assigned to it."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            """
            SELECT v.id, s.origin_latitude, s.origin_longitude, s.destination_latitude, s.destination_longitude
            FROM fleet_vehicle v
            JOIN organizations_organization o ON o.id = v.organization_id AND o.slug = %s
            JOIN shipments_shipment s ON s.organization_id = o.id
            WHERE v.active AND s.origin_latitude IS NOT NULL AND s.destination_latitude IS NOT NULL
              AND (s.vehicle_id = v.id OR s.vehicle_id IS NULL)
            ORDER BY v.id, s.vehicle_id IS NULL, s.id
            """,
            [DEMO_ORGANIZATION_SLUG],
        ).fetchall()
    routes: dict[int, list[Point]] = {}
    for vehicle_id, origin_lat, origin_lng, destination_lat, destination_lng in rows:
        route = routes.setdefault(vehicle_id, [])
        if len(route) < 4:  # a couple of stops is enough to look like a round
            route += [(origin_lat, origin_lng), (destination_lat, destination_lng)]
    return [
        SimulatedVehicle(vehicle_id, route, progress=index * 0.37)
        for index, (vehicle_id, route) in enumerate(sorted(routes.items()))
    ]


def run(realtime_url: str, database_url: str, should_stop: Callable[[], bool]) -> None:
    fleet = load_fleet(database_url)
    if not fleet:
        print("simulator: the demo organization has no vehicle with a route; nothing to drive", flush=True)
        return
    print(f"simulator: driving {len(fleet)} demo vehicle(s), one position each per second", flush=True)
    with httpx.Client(base_url=realtime_url, timeout=5) as client:
        token = ""
        while not should_stop():
            started = time.monotonic()
            if not token:
                token = _sign_in(client)
            batch = [_report(vehicle) for vehicle in fleet]
            response = client.post(
                "/v1/telemetry", json={"positions": batch}, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code == httpx.codes.UNAUTHORIZED:
                token = ""  # the token expired: sign in again on the next tick
            elif response.status_code != httpx.codes.OK:
                print(
                    f"simulator: telemetry answered {response.status_code}: {response.text[:200]}", flush=True
                )
            time.sleep(max(0.0, TICK_SECONDS - (time.monotonic() - started)))


def _sign_in(client: httpx.Client) -> str:
    response = client.post("/auth/jwt/login", data={"username": DEMO_DISPATCHER, "password": DEMO_PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


def _report(vehicle: SimulatedVehicle) -> dict[str, object]:
    (latitude, longitude), speed, heading = vehicle.advance(TICK_SECONDS)
    return {
        "vehicle_id": vehicle.vehicle_id,
        "recorded_at": datetime.now(UTC).isoformat(),
        "latitude": round(latitude, 6),
        "longitude": round(longitude, 6),
        "speed_kmh": round(speed, 1),
        "heading": round(heading, 1),
    }


def _distance_km(a: Point, b: Point) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _heading(a: Point, b: Point) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    y = math.sin(lng2 - lng1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lng2 - lng1)
    return math.degrees(math.atan2(y, x)) % 360
