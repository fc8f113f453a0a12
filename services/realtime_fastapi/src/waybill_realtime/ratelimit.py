"""A fixed-window request limit per client address, counted in Redis (shared by every replica).

``hit`` counts one request per Redis call. ``ReservedLimit`` serves a busy path: it takes a client's
requests from the shared counter a few at a time and spends them in-process
(``docs/decisions/0214-tracking-limit-reserved-in-batches.md``).
"""

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
# ARGV: counter lifetime, requests counted. The counter is new exactly when the count is what was added.
_COUNT: Final = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
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


async def _count(redis: "Redis", key: str, requests: int = 1) -> int:
    """This window's count of ``key`` after ``requests`` more; the counter outlives the window by one."""
    try:
        count = await redis.evalsha(_COUNT_SHA, 1, key, WINDOW_SECONDS * 2, requests)
    except NoScriptError:  # a Redis that restarted or never saw it: EVAL loads it for the next EVALSHA
        count = await redis.eval(_COUNT, 1, key, WINDOW_SECONDS * 2, requests)
    return int(cast(int, count))


@dataclass
class _Held:
    left: int
    """Requests reserved from the shared counter and not yet spent by this replica."""
    seen: int
    """The shared count after this replica's last reservation (at or above the limit: refused here)."""


class ReservedLimit:
    """``hit``, with a client's requests reserved from the shared counter up to ``batch`` at a time.

    A reservation adds its size to the client's Redis counter before any of it is spent, and only the
    part of it within the limit is granted, so all replicas together never allow more than ``limit``
    requests of a client in a window. Its size is a tenth of what the last reservation left under the
    limit, at least 1 and at most ``batch``, so reservations shrink to single requests near the limit.
    What a replica reserved and its client did not spend there is the price: a client whose requests
    are spread over several replicas may be refused before its ``limit``-th, by what the others hold
    (less than ``batch`` each). Once the shared count reached the limit, this replica refuses the client
    without asking Redis until the window ends.
    """

    def __init__(self, redis: "Redis", *, scope: str, batch: int) -> None:
        self._redis = redis
        self._scope = scope
        self._batch = max(batch, 1)
        self._window = -1
        self._held: dict[str, _Held] = {}
        """This window's reservations per client (cleared when the window changes)."""

    async def hit(self, client: str, *, limit: int) -> Verdict:
        """Count one request of ``client``; refused once the window's ``limit`` is reached (``hit``'s rules)."""
        window = int(time.time()) // WINDOW_SECONDS
        if window != self._window:
            self._window, self._held = window, {}
        held = self._held.get(client)
        if held is not None and held.left > 0:
            held.left -= 1
            return Verdict(True, 0)
        if held is not None and held.seen >= limit:
            return verdict(held.seen + 1, limit)
        seen = held.seen if held is not None else 0
        size = max(1, min(self._batch, (limit - seen) // 10))
        try:
            count = await _count(self._redis, window_key(self._scope, client), size)
        except RedisError:
            logger.warning("rate limit unavailable; allowing %s", self._scope)
            return Verdict(True, 0)
        granted = min(size, limit - (count - size))
        if self._window == window:  # not a reservation of a window that ended while Redis answered
            # Concurrent requests of one client may each have reserved: what they hold adds up.
            mine = self._held.setdefault(client, _Held(left=0, seen=0))
            mine.left += max(granted - 1, 0)
            mine.seen = max(mine.seen, count)
        return Verdict(True, 0) if granted > 0 else verdict(count, limit)
