"""Fault injection against real processes: a Redis of the test's own, to restart at will.

Every scenario here is marked ``faults`` (run by ``make test-faults``, left out of
``make test``), starts its processes on 127.0.0.1 and stops them when it ends.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from waybill_devstack import stack
from waybill_devstack.redis_server import LocalRedis
from waybill_django.core.redis_client import get_redis
from waybill_django.core.task_queue import _producer


@dataclass
class RestartableRedis:
    """A Redis server of one test: killed, stopped and started again on the same port and data."""

    server: LocalRedis
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return self.server.url()

    def start(self) -> None:
        self.popen = subprocess.Popen(
            self.server.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.server.wait_until_ready()

    def stop(self, signum: int = signal.SIGTERM) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.popen.pid, signum)
        self.popen.wait(timeout=15)

    def restart(self, *, down_for: float = 1.0, signum: int = signal.SIGTERM) -> float:
        """Stop Redis, keep it down ``down_for`` seconds, start it; returns when it answers again."""
        self.stop(signum)
        time.sleep(down_for)
        self.start()
        return time.monotonic()


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
    if redis.popen is not None and redis.popen.poll() is None:
        redis.stop(signal.SIGKILL)
