import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest
from celery import Celery
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup

TESTS_DIR = Path(__file__).parent

StartWorker = Callable[..., Popen[bytes]]


@pytest.fixture
def worker_overrides() -> dict[str, Any]:
    """Django settings for this test, in the test process and in its worker processes alike."""
    return {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True}


@pytest.fixture
def worker_env(
    transactional_db: None,
    redis_url: str,
    tmp_path: Path,
    settings: SettingsWrapper,
    worker_overrides: dict[str, Any],
) -> dict[str, str]:
    media_root = tmp_path / "media"
    settings.MEDIA_ROOT = media_root
    for name, value in worker_overrides.items():
        setattr(settings, name, value)
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "waybill_worker_test_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])),
        "WAYBILL_TEST_SETTINGS": json.dumps(worker_overrides),
    }


@pytest.fixture
def start_worker(worker_env: dict[str, str], redis_url: str, processes: ProcessGroup) -> StartWorker:
    """Start a real Celery worker process on the test database and Redis; wait for it to answer."""
    started = 0

    def start(*, concurrency: int = 1, as_make_up: bool = False, **env: str) -> Popen[bytes]:
        """``as_make_up``: with the heartbeat, mingle and gossip connections ``make up`` has too."""
        nonlocal started
        started += 1
        command = stack.worker_command(concurrency=concurrency)
        if not as_make_up:
            command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
        command[command.index("--hostname") + 1] = f"worker{started}-{os.getpid()}@%h"
        popen = processes.start(f"worker{started}", command, env={**worker_env, **env})
        control = Celery(broker=env.get("REDIS_URL", redis_url), set_as_current=False).control
        wait_until(
            lambda: any(
                f"worker{started}-" in name for reply in control.ping(timeout=0.5) or [] for name in reply
            ),
            what="the Celery worker to answer a ping",
            timeout=30,
        )
        return popen

    return start


@pytest.fixture
def worker(start_worker: StartWorker) -> None:
    start_worker()


@pytest.fixture
def beat(worker_env: dict[str, str], processes: ProcessGroup, tmp_path: Path) -> Callable[..., None]:
    def start(**env: str) -> None:
        processes.start("beat", stack.beat_command(tmp_path / "beat-schedule"), env={**worker_env, **env})

    return start


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that deduplicates by ``webhook-id`` and counts."""

    url: str
    status: int = 204
    delay: float = 0.0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(headers["webhook-id"] for headers, _ in self.requests)

    @property
    def processed(self) -> set[str]:
        """What a receiver that deduplicates would have acted on: each message once."""
        return set(self.ids)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server: ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            threading.Event().wait(state.delay)
            with state.lock:
                state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"" if state.status == 204 else b"receiver says no")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
