"""The async database engine and sessions."""

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from waybill_realtime.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    # pool_pre_ping: after a database restart, stale pooled connections are replaced instead of failing requests.
    return create_async_engine(
        settings.async_database_url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"timeout": 5, "command_timeout": 10, "ssl": settings.database_ssl},
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
