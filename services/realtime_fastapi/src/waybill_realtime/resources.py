"""What the running app holds open (database engine, Redis, the stream hub), and access to it."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from waybill_realtime.config import Settings
from waybill_realtime.metrics import Metrics
from waybill_realtime.ratelimit import ReservedLimit
from waybill_realtime.revocation import Revocations
from waybill_realtime.streaming.hub import Hub
from waybill_realtime.telemetry.gate import TelemetryGate
from waybill_realtime.telemetry.ingest import Ingest
from waybill_realtime.tracking_projection import TrackingProjection
from waybill_realtime.websocket.idle import IdleSweep


@dataclass(frozen=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    raw_pool: Any
    """Raw asyncpg connections (``db.create_raw_pool``): telemetry ingest and the tracking lookup."""
    sessions: async_sessionmaker[AsyncSession]
    autocommit_sessions: async_sessionmaker[AsyncSession]
    """Sessions whose every statement commits on its own (``db.create_engine``): for the hot paths' reads."""
    redis: Redis
    hub: Hub
    metrics: Metrics
    ingest: Ingest
    telemetry_gate: TelemetryGate
    revocations: Revocations
    tracking: TrackingProjection
    track_limit: ReservedLimit
    """The tracking limit of lookups that read the database (the projection's reads count in their script)."""
    idle: IdleSweep
    """Closes WebSockets silent for ``WS_IDLE_TIMEOUT_SECONDS``."""
    background: tuple["asyncio.Task[None]", ...]
    """The loops that run as long as the app (stream reader, position publisher, access reader, projector)."""


def get_resources(connection: HTTPConnection) -> Resources:
    resources: Resources = connection.app.state.resources
    return resources


async def resources_dependency(connection: HTTPConnection) -> Resources:
    """``get_resources`` as a dependency: a coroutine, which FastAPI runs inline, not in a worker thread."""
    return get_resources(connection)


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with get_resources(connection).sessions() as session:
        yield session
