"""The async database engine and sessions, and a pool of raw asyncpg connections for the hot paths."""

from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from waybill_realtime.config import Settings

RAW_POOL_SIZE: Final = 20
RAW_ACQUIRE_TIMEOUT_SECONDS: Final = 10


def create_engine(settings: Settings, *, autocommit: bool = False) -> AsyncEngine:
    """The engine (a pool of up to 20 connections); ``autocommit``: every statement commits on its own.

    A device's account (telemetry's sign-in gate) is read through an autocommit engine: it needs no
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


async def create_raw_pool(settings: Settings) -> Any:
    """A pool of raw asyncpg connections for the hot paths (telemetry ingest, the tracking lookup), outside SQLAlchemy.

    Their statements are few and fixed, and SQLAlchemy's execution layer (and its checkout with a pre-ping) cost
    several times the queries' own time. Connections open on demand, so starting does not need the database;
    asyncpg replaces one the server closed when it is next acquired. Their statements run one by one
    (autocommit).
    """
    return await asyncpg.create_pool(
        settings.async_database_url.replace("postgresql+asyncpg://", "postgresql://", 1),
        min_size=0,
        max_size=RAW_POOL_SIZE,
        timeout=5,
        command_timeout=10,
        ssl=settings.database_ssl,
        reset=_keep_session,
    )


def raw_connection(pool: Any) -> Any:
    """A connection of ``pool`` (``async with``); waiting longer than ``RAW_ACQUIRE_TIMEOUT_SECONDS`` for one
    raises ``TimeoutError`` (a 503), as a database that stopped answering would otherwise queue requests for ever.
    """
    return pool.acquire(timeout=RAW_ACQUIRE_TIMEOUT_SECONDS)


async def _keep_session(connection: Any) -> None:
    """Released as it is: the hot paths set nothing on a session (no SET, LISTEN, advisory lock or cursor).

    asyncpg's default reset (``RESET ALL``, ``UNLISTEN``, …) would cost a round trip on every release;
    a transaction left open is still rolled back before this runs.
    """
