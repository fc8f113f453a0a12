"""The async database engine and sessions, and raw asyncpg connections from its pool for the hot paths."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from waybill_realtime.config import Settings


def create_engine(settings: Settings, *, autocommit: bool = False) -> AsyncEngine:
    """The engine (a pool of up to 20 connections); ``autocommit``: every statement commits on its own.

    The hot paths (telemetry, public tracking, a device's account) use an autocommit engine: they need no
    transaction, and without one a checkout costs one round trip instead of four (the pre-ping of a
    connection in a transaction is ``BEGIN``, ``;``, ``ROLLBACK``) and a request no ``BEGIN`` or ``ROLLBACK``.
    """
    # pool_pre_ping: after a database restart, stale pooled connections are replaced instead of failing requests.
    return create_async_engine(
        settings.async_database_url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"timeout": 5, "command_timeout": 10, "ssl": settings.database_ssl},
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@contextlib.asynccontextmanager
async def raw_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """An asyncpg connection from the engine's pool (checked by its pre-ping), outside any transaction."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None  # an open, checked-out connection
        yield driver
