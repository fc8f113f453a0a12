"""Fault injection against real realtime replicas: a Redis of the test's own, to restart at will.

Every scenario here is marked ``faults`` (run by ``make test-faults``, left out of
``make test``), starts its processes on 127.0.0.1 and stops them when it ends.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from waybill_devstack import stack
from waybill_devstack.redis_server import LocalRedis, RestartableRedis


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    """A Redis (append-only, so the streams outlive a restart) for the replicas of one test."""
    redis = RestartableRedis(LocalRedis(tmp_path / "redis", stack.free_port(), persistent=True))
    redis.start()
    yield redis
    redis.close()
