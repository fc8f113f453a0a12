"""The FastAPI application: ``waybill_realtime.main:app``."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from starlette.types import ASGIApp

from waybill_realtime.auth.account_cache import AccountCache
from waybill_realtime.auth.users import token_strategy
from waybill_realtime.config import Settings, get_settings
from waybill_realtime.db import create_engine, create_raw_pool, create_session_factory
from waybill_realtime.docs import install_docs
from waybill_realtime.errors import install_error_handlers
from waybill_realtime.logs import RequestIdMiddleware
from waybill_realtime.metrics import Metrics
from waybill_realtime.ratelimit import ReservedLimit
from waybill_realtime.resources import Resources
from waybill_realtime.revocation import READ_BLOCK_MS, Revocations
from waybill_realtime.routes import auth, health, metrics, telemetry, tracking, users, ws
from waybill_realtime.security_headers import SecurityHeadersMiddleware
from waybill_realtime.streaming.hub import Hub
from waybill_realtime.streaming.streams import OrgStreams
from waybill_realtime.telemetry.eta import EtaScheduler
from waybill_realtime.telemetry.gate import TelemetryGate
from waybill_realtime.telemetry.ingest import Ingest
from waybill_realtime.telemetry.publisher import PositionPublisher
from waybill_realtime.tracking_projection import READ_BLOCK_MS as PROJECTOR_READ_BLOCK_MS
from waybill_realtime.tracking_projection import TrackingProjection
from waybill_realtime.websocket.idle import IdleSweep

REDIS_POOL_SIZE = 50
REDIS_POOL_WAIT_SECONDS = 5
# After a Redis restart every pooled connection is dead; redis-py's own pool checks a connection only
# for pending data before handing it out, and with a pool of our own it retries nothing. A command on a
# dead connection now reconnects and is sent again (tests/faults/test_redis_restart.py).
REDIS_POOL_RETRIES = 3
REDIS_POOL_BACKOFF = ExponentialWithJitterBackoff(cap=0.5, base=0.05)


@contextlib.asynccontextmanager
async def _open_resources(settings: Settings) -> AsyncIterator[Resources]:
    engine = create_engine(settings)
    autocommit_engine = create_engine(settings, autocommit=True)
    raw_pool = await create_raw_pool(settings)
    # Every client decodes what is not UTF-8 as U+FFFD instead of raising: a stream entry written by
    # another producer then fails validation and is skipped like any malformed one, where a
    # UnicodeDecodeError would have stopped the stream reader for every subscriber of this replica.
    # A blocking pool: a burst of subscribers waits for a connection instead of failing.
    redis = Redis(
        connection_pool=BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=REDIS_POOL_SIZE,
            timeout=REDIS_POOL_WAIT_SECONDS,
            decode_responses=True,
            encoding_errors="replace",
            retry=Retry(REDIS_POOL_BACKOFF, REDIS_POOL_RETRIES),
        )
    )
    # The stream reader's own connection, whose socket timeout outlasts a blocking XREAD.
    stream_reader_redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        encoding_errors="replace",
        socket_timeout=settings.stream_read_block_ms / 1000 + REDIS_POOL_WAIT_SECONDS,
        max_connections=1,
    )
    # The access stream's reader has its own connection too, for the same reason.
    access_reader_redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        encoding_errors="replace",
        socket_timeout=READ_BLOCK_MS / 1000 + REDIS_POOL_WAIT_SECONDS,
        max_connections=1,
    )
    # And the tracking projector's, for the same reason.
    projector_redis = Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        encoding_errors="replace",
        socket_timeout=PROJECTOR_READ_BLOCK_MS / 1000 + REDIS_POOL_WAIT_SECONDS,
        max_connections=1,
    )
    accounts = AccountCache(ttl_seconds=settings.telemetry_account_cache_seconds)
    revocations = Revocations(access_reader_redis, accounts)
    streams = OrgStreams(redis, stream_reader_redis)
    app_metrics = Metrics()
    hub = Hub(
        streams,
        app_metrics,
        block_ms=settings.stream_read_block_ms,
        send_queue_size=settings.ws_send_queue_size,
    )
    sessions = create_session_factory(engine)
    autocommit_sessions = create_session_factory(autocommit_engine)
    publisher = PositionPublisher(
        redis, app_metrics, interval_seconds=settings.telemetry_publish_interval_ms / 1000
    )
    eta = EtaScheduler(redis, settings.redis_url, window_seconds=settings.eta_debounce_seconds)
    ingest = Ingest(
        pool=raw_pool,
        publisher=publisher,
        eta=eta,
        metrics=app_metrics,
        max_age=timedelta(seconds=settings.telemetry_max_age_seconds),
        future_tolerance=timedelta(seconds=settings.telemetry_future_tolerance_seconds),
    )
    telemetry_gate = TelemetryGate(
        strategy=token_strategy(settings, redis),
        redis=redis,
        sessions=autocommit_sessions,
        accounts=accounts,
        device_limit=settings.telemetry_rate_limit_per_minute,
        address_limit=settings.telemetry_address_rate_limit_per_minute,
    )
    tracking = TrackingProjection(
        redis, projector_redis, raw_pool, ttl_seconds=settings.track_projection_ttl_seconds
    )
    background = [
        asyncio.create_task(hub.run(), name="stream-reader"),
        asyncio.create_task(publisher.run(), name="position-publisher"),
        asyncio.create_task(revocations.run(), name="access-reader"),
    ]
    if settings.track_projection_ttl_seconds:
        background.append(asyncio.create_task(tracking.run(), name="tracking-projector"))
    try:
        yield Resources(
            settings=settings,
            engine=engine,
            raw_pool=raw_pool,
            sessions=sessions,
            autocommit_sessions=autocommit_sessions,
            redis=redis,
            hub=hub,
            metrics=app_metrics,
            ingest=ingest,
            telemetry_gate=telemetry_gate,
            revocations=revocations,
            tracking=tracking,
            track_limit=ReservedLimit(redis, scope="track", batch=settings.track_rate_limit_batch),
            idle=IdleSweep(settings.ws_idle_timeout_seconds),
            background=tuple(background),
        )
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await publisher.close()
        eta.close()
        with contextlib.suppress(Exception):
            await streams.close()
        await redis.aclose()
        await stream_reader_redis.aclose()
        await access_reader_redis.aclose()
        await projector_redis.aclose()
        await engine.dispose()
        await autocommit_engine.dispose()
        await raw_pool.close()


class RealtimeApp(FastAPI):
    """FastAPI, with the public tracking lookup answered in front of its whole middleware stack.

    ``TrackingFastPath`` wraps the stack FastAPI builds (its error, telemetry and body-limit layers, then
    ours), so the busiest public request crosses none of them (decision 0216); it adds to its answers
    what those layers add to every other.
    """

    def __init__(self, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._settings = settings

    def build_middleware_stack(self) -> ASGIApp:
        return tracking.TrackingFastPath(
            super().build_middleware_stack(),
            owner=self,
            retry_after_seconds=self._settings.db_retry_after_seconds,
            hsts=self._settings.environment == "production",
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _open_resources(settings) as resources:
            app.state.resources = resources
            yield

    app = RealtimeApp(
        settings=settings,
        title="Waybill realtime",
        summary="Live updates over WebSocket, telemetry ingest, JWT sign-in for API and device clients.",
        version="0.1.0",
        lifespan=lifespan,
        # /docs is this service's own page (docs.py): FastAPI's loads Swagger UI and ReDoc from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    # The public tracking lookup first: a request is matched against the routes in order, and it is the
    # busiest route that no other path overlaps.
    app.include_router(tracking.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router, prefix="/auth/jwt", tags=["auth"])
    app.include_router(users.router)
    app.include_router(ws.router)
    app.include_router(telemetry.router)
    install_docs(app)
    install_error_handlers(app, retry_after_seconds=settings.db_retry_after_seconds)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.environment == "production")
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
