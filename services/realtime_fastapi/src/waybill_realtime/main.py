"""The FastAPI application: ``waybill_realtime.main:app``."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from redis.asyncio import BlockingConnectionPool, Redis

from waybill_realtime.config import Settings, get_settings
from waybill_realtime.db import create_engine, create_session_factory
from waybill_realtime.metrics import Metrics
from waybill_realtime.resources import Resources
from waybill_realtime.routes import auth, health, metrics, users, ws
from waybill_realtime.streaming.hub import Hub
from waybill_realtime.streaming.streams import OrgStreams

REDIS_POOL_SIZE = 50
REDIS_POOL_WAIT_SECONDS = 5


@contextlib.asynccontextmanager
async def _open_resources(settings: Settings) -> AsyncIterator[Resources]:
    engine = create_engine(settings)
    # A blocking pool: a burst of subscribers waits for a connection instead of failing.
    redis = Redis(
        connection_pool=BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=REDIS_POOL_SIZE,
            timeout=REDIS_POOL_WAIT_SECONDS,
            decode_responses=True,
        )
    )
    # The stream reader's own connection, whose socket timeout outlasts a blocking XREAD.
    stream_reader_redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.stream_read_block_ms / 1000 + REDIS_POOL_WAIT_SECONDS,
        max_connections=1,
    )
    streams = OrgStreams(redis, stream_reader_redis)
    app_metrics = Metrics()
    hub = Hub(
        streams,
        app_metrics,
        block_ms=settings.stream_read_block_ms,
        send_queue_size=settings.ws_send_queue_size,
    )
    reader = asyncio.create_task(hub.run(), name="stream-reader")
    try:
        yield Resources(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            redis=redis,
            hub=hub,
            metrics=app_metrics,
        )
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        with contextlib.suppress(Exception):
            await streams.close()
        await redis.aclose()
        await stream_reader_redis.aclose()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _open_resources(settings) as resources:
            app.state.resources = resources
            yield

    app = FastAPI(
        title="Waybill realtime",
        summary="Live updates over WebSocket, telemetry ingest, JWT sign-in for API and device clients.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router, prefix="/auth/jwt", tags=["auth"])
    app.include_router(users.router)
    app.include_router(ws.router)
    return app


app = create_app()
