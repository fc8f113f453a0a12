"""The worker's own Redis client (counters shared by every worker process), apart from the broker's."""

import functools

import redis

from waybill_worker.config import get_settings


@functools.cache
def get_redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2)
