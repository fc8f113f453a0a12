"""The Waybill processes and the environment they share, for ``make up`` and the tests."""

import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

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
