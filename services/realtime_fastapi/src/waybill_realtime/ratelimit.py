"""A fixed-window request limit per client address, counted in Redis (shared by every replica)."""

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int


def window_key(scope: str, client: str) -> str:
    """The counter of ``client``'s requests in this window."""
    return f"waybill:ratelimit:{scope}:{client}:{int(time.time()) // WINDOW_SECONDS}"


def verdict(count: int, limit: int) -> Verdict:
    """The answer to the ``count``-th request of this window."""
    return Verdict(count <= limit, WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS)


async def hit(redis: "Redis", *, scope: str, client: str, limit: int) -> Verdict:
    """Count one request of ``client``; refused once it made more than ``limit`` in this window.

    When Redis is unreachable the request is allowed: the limit protects the database, which
    answers regardless, and failing closed would take public tracking down with Redis.
    """
    key = window_key(scope, client)
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count, _ = await pipe.execute()
    except RedisError:
        logger.warning("rate limit unavailable; allowing %s", scope)
        return Verdict(True, 0)
    return verdict(int(count), limit)
