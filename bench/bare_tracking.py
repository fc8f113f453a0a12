"""The tracking ceiling: a bare Starlette + asyncpg app doing the same indexed lookups as ``GET /v1/track``.

Served by ``uvicorn bare_tracking:app`` with DATABASE_URL set; no validation
models, no rate limit, no middleware. ``app`` asks its three queries one by one on a pool as asyncpg
makes it (issue 11's ceiling); ``one_statement`` asks the realtime service's own statement
(``waybill_realtime.tracking.LOOKUP``, decision 0216, imported once at start) on a pool that, as the
service's, sends no reset query when a connection is released.
"""

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from waybill_realtime.tracking import LOOKUP  # the service's statement itself, not a copy that may drift

SHIPMENT = (
    "SELECT id, status, eta, vehicle_id, tracking_code FROM shipments_shipment WHERE tracking_code = $1"
)
TIMELINE = (
    "SELECT status, occurred_at FROM shipments_trackingevent WHERE shipment_id = $1 ORDER BY occurred_at, id"
)
POSITION = (
    "SELECT latitude, longitude, recorded_at FROM fleet_position WHERE vehicle_id = $1"
    " ORDER BY recorded_at DESC LIMIT 1"
)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """No ``RESET ALL``, ``UNLISTEN`` … round trip on release, as the realtime service's pool."""


def _lifespan(**pool_options: object) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            os.environ["DATABASE_URL"], min_size=4, max_size=20, **pool_options
        )
        yield
        await app.state.pool.close()

    return lifespan


async def track(request: Request) -> Response:
    async with request.app.state.pool.acquire() as connection:
        shipment = await connection.fetchrow(SHIPMENT, request.path_params["code"])
        if shipment is None:
            return Response('{"detail":"not found"}', status_code=404, media_type="application/json")
        timeline = await connection.fetch(TIMELINE, shipment["id"])
        position = (
            await connection.fetchrow(POSITION, shipment["vehicle_id"]) if shipment["vehicle_id"] else None
        )
    body = {
        "tracking_code": shipment["tracking_code"],
        "status": shipment["status"],
        "eta": shipment["eta"].isoformat() if shipment["eta"] else None,
        "last_position": None
        if position is None
        else {
            "latitude": round(position["latitude"], 2),
            "longitude": round(position["longitude"], 2),
            "recorded_at": position["recorded_at"].isoformat(),
        },
        "timeline": [
            {"status": row["status"], "occurred_at": row["occurred_at"].isoformat()} for row in timeline
        ],
    }
    return Response(json.dumps(body), media_type="application/json")


async def track_one_statement(request: Request) -> Response:
    async with request.app.state.pool.acquire() as connection:
        row = await connection.fetchrow(LOOKUP, request.path_params["code"])
    if row is None:
        return Response('{"detail":"not found"}', status_code=404, media_type="application/json")
    body = {
        "tracking_code": request.path_params["code"],
        "status": row["status"],
        "eta": row["eta"].isoformat() if row["eta"] else None,
        "last_position": None
        if row["recorded_at"] is None
        else {
            "latitude": round(row["latitude"], 2),
            "longitude": round(row["longitude"], 2),
            "recorded_at": row["recorded_at"].isoformat(),
        },
        "timeline": [
            {"status": status, "occurred_at": occurred_at.isoformat()}
            for status, occurred_at in zip(row["statuses"] or (), row["times"] or (), strict=True)
        ],
    }
    return Response(json.dumps(body), media_type="application/json")


app = Starlette(routes=[Route("/v1/track/{code}", track)], lifespan=_lifespan())
one_statement = Starlette(
    routes=[Route("/v1/track/{code}", track_one_statement)], lifespan=_lifespan(reset=_keep_session)
)
