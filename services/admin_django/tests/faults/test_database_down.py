"""Django fails fast, with 503 and Retry-After, while PostgreSQL is stopped or frozen, and recovers by itself."""

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.postgres import LocalPostgres
from waybill_devstack.supervisor import ProcessGroup, as_user

pytestmark = pytest.mark.faults

REQUESTS = 5
FROZEN_FOR = 8.0
# Connecting waits 2 s at most (libpq's minimum connect_timeout), a query 2 s: a little over, on two busy cores.
FAIL_FAST_SECONDS = 3.0


@dataclass
class OwnPostgres:
    server: LocalPostgres
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            self.server.command(),
            **as_user(self.server.run_as),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.server.wait_until_ready()

    def stop(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGINT)  # fast shutdown
        self.popen.wait(timeout=30)

    def every_process(self) -> list[psutil.Process]:
        assert self.popen is not None
        leader = psutil.Process(self.popen.pid)
        return [leader, *leader.children(recursive=True)]


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[OwnPostgres]:
    postgres = OwnPostgres(LocalPostgres(tmp_path / "postgres", stack.free_port(), durable=False))
    postgres.server.initialize()
    postgres.start()
    postgres.server.ensure_database("waybill")
    yield postgres
    if postgres.popen is not None and postgres.popen.poll() is None:
        for process in postgres.every_process():
            process.send_signal(signal.SIGCONT)
        postgres.stop()


@pytest.fixture
def django_url(own_postgres: OwnPostgres, redis_url: str, processes: ProcessGroup) -> str:
    backends = stack.Backends(database_url=own_postgres.server.url("waybill"), redis_url=redis_url)
    env = stack.service_environment(
        backends, settings_module="waybill_django.config.settings.local", environment="test"
    )
    stack.manage("migrate", "--no-input", "--verbosity", "0", env=env)
    port = stack.free_port()
    processes.start("django", stack.django_command("127.0.0.1", port, reload=False), env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: stack.is_ready(url), what="Django to be ready", timeout=60)
    return url


def timed_get(url: str) -> tuple[int, float, str | None]:
    started = time.monotonic()
    response = httpx.get(url, timeout=30)
    return response.status_code, time.monotonic() - started, response.headers.get("retry-after")


def answers_again(url: str) -> bool:
    return timed_get(f"{url}/t/NO-SUCH-CODE")[0] == 404


@pytest.mark.timeout(240)
def test_frozen_then_stopped_postgres_gets_503_with_retry_after_fast_and_recovers(
    django_url: str, own_postgres: OwnPostgres, fault_figure: Callable[[str], None]
) -> None:
    page = f"{django_url}/t/NO-SUCH-CODE"
    assert timed_get(page)[0] == 404

    frozen = own_postgres.every_process()
    for process in frozen:
        process.send_signal(signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        while_frozen = [timed_get(page) for _ in range(REQUESTS)]
        ready_frozen = timed_get(f"{django_url}/readyz")
    finally:
        time.sleep(max(0.0, FROZEN_FOR - (time.monotonic() - frozen_at)))
        for process in frozen:
            process.send_signal(signal.SIGCONT)
    thawed = time.monotonic()
    wait_until(lambda: answers_again(django_url), what="Django to answer after the thaw", timeout=30)
    back_after_thaw = time.monotonic() - thawed

    own_postgres.stop()
    while_stopped = [timed_get(page) for _ in range(REQUESTS)]
    ready_stopped = timed_get(f"{django_url}/readyz")
    own_postgres.start()
    restarted = time.monotonic()
    wait_until(lambda: answers_again(django_url), what="Django to answer after the restart", timeout=30)
    back_after_restart = time.monotonic() - restarted

    for status, seconds, retry_after in while_frozen + while_stopped:
        assert (status, retry_after) == (503, "5")
        assert seconds < FAIL_FAST_SECONDS
    assert ready_frozen[0] == ready_stopped[0] == 503
    assert max(ready_frozen[1], ready_stopped[1]) < FAIL_FAST_SECONDS
    fault_figure(
        f"PostgreSQL frozen: {REQUESTS}/{REQUESTS} requests 503 + Retry-After, slowest "
        f"{max(s for _, s, _ in while_frozen):.2f} s, /readyz 503 in {ready_frozen[1]:.2f} s, answering "
        f"{back_after_thaw:.2f} s after the thaw; stopped: {REQUESTS}/{REQUESTS} 503, slowest "
        f"{max(s for _, s, _ in while_stopped):.2f} s, /readyz 503 in {ready_stopped[1]:.2f} s, answering "
        f"{back_after_restart:.2f} s after PostgreSQL was back"
    )
