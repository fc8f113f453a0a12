"""The raw asyncpg pool's checkout (``db.raw_connection``): bounded when every connection is taken."""

import asyncio

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
import pytest

from waybill_realtime import db


async def test_waiting_for_a_connection_ends_in_a_timeout_once_every_one_is_taken(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "RAW_ACQUIRE_TIMEOUT_SECONDS", 0.2)
    pool = await asyncpg.create_pool(migrated_database_url, min_size=0, max_size=1)
    try:
        async with db.raw_connection(pool) as held:
            with pytest.raises(TimeoutError):
                async with db.raw_connection(pool):
                    pass
            assert await held.fetchval("SELECT 1") == 1  # the holder's connection is untouched

        # Released, and the one that timed out left nothing behind: the pool hands it out again.
        async with db.raw_connection(pool) as again:
            assert await again.fetchval("SELECT 2") == 2
        assert pool.get_idle_size() == 1
    finally:
        await asyncio.wait_for(pool.close(), 10)
