"""Fault injection against real processes: a Redis of the test's own, to restart at will.

Every scenario here is marked ``faults`` (run by ``make test-faults``, left out of
``make test``), starts its processes on 127.0.0.1 and stops them when it ends.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from waybill_devstack import stack
from waybill_devstack.redis_server import LocalRedis, RestartableRedis
from waybill_django.core.redis_client import get_redis
from waybill_django.core.task_queue import _producer


@pytest.fixture
def own_redis(tmp_path: Path, settings: Any) -> Iterator[RestartableRedis]:
    """A Redis (append-only, so queued tasks outlive a restart) that this process publishes to too."""
    redis = RestartableRedis(LocalRedis(tmp_path / "redis", stack.free_port(), persistent=True))
    redis.start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis.url
    get_redis.cache_clear()
    _producer.cache_clear()
    yield redis
    get_redis.cache_clear()
    _producer.cache_clear()
    redis.close()
