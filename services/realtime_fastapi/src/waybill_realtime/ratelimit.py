"""A fixed-window request limit per client address, counted in Redis (shared by every replica)."""

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Final, cast

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60

# One command instead of a MULTI/EXEC pipeline, which costs redis-py several times as much per request.
_COUNT: Final = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_COUNT_SHA: Final = hashlib.sha1(_COUNT.encode(), usedforsecurity=False).hexdigest()


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
    try:
        count = await _count(redis, window_key(scope, client))
    except RedisError:
        logger.warning("rate limit unavailable; allowing %s", scope)
        return Verdict(True, 0)
    return verdict(count, limit)


async def _count(redis: "Redis", key: str) -> int:
    """This window's count of ``key`` after one more request; the counter outlives the window by one."""
    try:
        count = await redis.evalsha(_COUNT_SHA, 1, key, WINDOW_SECONDS * 2)
    except NoScriptError:  # a Redis that restarted or never saw it: EVAL loads it for the next EVALSHA
        count = await redis.eval(_COUNT, 1, key, WINDOW_SECONDS * 2)
    return int(cast(int, count))
