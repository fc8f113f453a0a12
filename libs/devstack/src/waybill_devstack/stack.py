"""The Waybill processes and the environment they share, for ``make up`` and the tests."""

import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from waybill_devstack.polling import wait_until
from waybill_devstack.postgres import LocalPostgres
from waybill_devstack.redis_server import LocalRedis
from waybill_devstack.supervisor import ProcessGroup

# Clearly a development value: the services refuse it outside development.
DEVELOPMENT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - a marked placeholder

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Backends:
    database_url: str
    redis_url: str


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As the servers do: a port whose last connections linger in TIME_WAIT can be reused.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def local_backends(
    group: ProcessGroup,
    *,
    data_dir: Path,
    postgres_port: int,
    redis_port: int,
    database: str,
    durable: bool,
) -> Iterator[Backends]:
    """Start PostgreSQL and Redis under ``group`` and yield their URLs."""
    postgres = LocalPostgres(data_dir / "postgres", postgres_port, durable=durable)
    postgres.initialize()
    group.start("postgres", postgres.command(), user=postgres.run_as, stop_signal=signal.SIGINT)
    postgres.wait_until_ready()
    postgres.ensure_database(database)

    redis = LocalRedis(data_dir / "redis", redis_port, persistent=durable)
    group.start("redis", redis.command())
    redis.wait_until_ready()
    yield Backends(database_url=postgres.url(database), redis_url=redis.url())


def service_environment(backends: Backends, *, settings_module: str, environment: str) -> dict[str, str]:
    """Variables every Waybill process reads; values already in the environment win."""
    return {
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "ENVIRONMENT": environment,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        "PYTHONUNBUFFERED": "1",
    }


def test_environment(backends: Backends) -> dict[str, str]:
    env = service_environment(
        backends, settings_module="waybill_django.config.settings.test", environment="test"
    )
    env["SECRET_KEY"] = secrets.token_urlsafe(32)
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    """Run a Django management command to completion (raises when it fails)."""
    subprocess.run([str(BIN / "waybill-django"), *args], env={**os.environ, **env}, check=True)


def django_command(host: str, port: int, *, reload: bool) -> list[str]:
    command = [str(BIN / "waybill-django"), "runserver", f"{host}:{port}"]
    return command if reload else [*command, "--noreload"]


def django_asgi_command(host: str, port: int, *, workers: int = 1) -> list[str]:
    """Django's ASGI entry point (``waybill_django.config.asgi``) under uvicorn, for its async views."""
    return [
        str(BIN / "uvicorn"),
        "waybill_django.config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "off",  # Django has no lifespan handler
    ]


def realtime_command() -> list[str]:
    return [str(BIN / "waybill-realtime")]


def worker_command(*, concurrency: int) -> list[str]:
    return [
        str(BIN / "celery"),
        "--app",
        "waybill_worker.celery_app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--queues",
        "default,webhooks,imports,reports",
        "--hostname",
        f"worker-{os.getpid()}@%h",
    ]


def beat_command(schedule_file: Path) -> list[str]:
    return [
        str(BIN / "celery"),
        "--app",
        "waybill_worker.celery_app",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(schedule_file),
    ]


@dataclass(frozen=True)
class RunningStack:
    django_url: str
    realtime_url: str
    database_url: str
    redis_url: str

    @property
    def websocket_url(self) -> str:
        return self.realtime_url.replace("http://", "ws://", 1) + "/ws"


def start_stack(
    group: ProcessGroup,
    backends: Backends,
    *,
    settings_module: str,
    seeded: Callable[[], None] = lambda: None,
) -> RunningStack:
    """Seed the demo and start Django, the realtime service and a worker on free ports; wait until ready.

    ``seeded`` runs once the demo is in the database, before any process starts.
    """
    django_port, realtime_port = free_port(), free_port()
    env = {
        **service_environment(backends, settings_module=settings_module, environment="test"),
        "BIND_HOST": "127.0.0.1",
        "REALTIME_PORT": str(realtime_port),
        "WS_ALLOWED_ORIGINS": f"http://127.0.0.1:{django_port}",
    }
    manage("seed_demo", env=env)
    seeded()
    group.start("django", django_command("127.0.0.1", django_port, reload=False), env=env)
    group.start("realtime", realtime_command(), env=env)
    group.start("worker", worker_command(concurrency=1), env=env)
    running = RunningStack(
        django_url=f"http://127.0.0.1:{django_port}",
        realtime_url=f"http://127.0.0.1:{realtime_port}",
        database_url=backends.database_url,
        redis_url=backends.redis_url,
    )
    for url in (running.django_url, running.realtime_url):
        wait_until(partial(is_ready, url), what=f"{url}/readyz", timeout=60)
    return running


def is_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
