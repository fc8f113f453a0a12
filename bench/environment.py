"""The report's header: the machine, its load, and the versions that the figures depend on."""

import asyncio
import functools
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import psutil
import psycopg
import redis
from psycopg import sql

from waybill_devstack import stack
from waybill_testkit.realtime import Personas

PACKAGES = (
    "uvicorn",
    "websockets",
    "starlette",
    "fastapi",
    "pydantic",
    "asyncpg",
    "redis",
    "django",
    "gunicorn",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    result = subprocess.run(
        [git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def machine_header(
    *, smoke: bool, seconds: float, scenarios: dict[str, tuple[float, dict[str, float]]] | None = None
) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    kind = "smoke run (tiny sizes: checks the harness, not a speed)" if smoke else "full run"
    return "\n".join(
        [
            "# Waybill benchmarks",
            "",
            f"- {kind}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, {seconds:.0f} s",
            f"- machine: {_cpu_model()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB,"
            f" load average {load} when the run ended; {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}; {versions}",
            *(
                [
                    "- wall time per scenario: "
                    + ", ".join(f"{name} {wall:.0f} s" for name, (wall, _) in scenarios.items())
                ]
                if scenarios
                else []
            ),
            "- every comparison ran in this run, interleaved, on this machine; compare ratios, not absolute numbers",
            "",
        ]
    )


MIGRATED_FLAG = "BENCH_DATABASE_MIGRATED"
"""Set to 1 when DATABASE_URL is already a fresh, migrated database (the smoke test's)."""


@functools.cache
def bench_database() -> str:
    """A fresh, migrated database for this run, beside the throwaway one ``waybill-dev run`` made."""
    if os.environ.get(MIGRATED_FLAG) == "1":
        return os.environ["DATABASE_URL"]
    database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/waybill_bench"
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS waybill_bench WITH (FORCE)")
        connection.execute("CREATE DATABASE waybill_bench")
    stack.manage("migrate", "--no-input", "--verbosity", "0", env={"DATABASE_URL": database_url})
    return database_url


@functools.cache
def bench_personas() -> Personas:
    """The named personas in this run's database, created once for every scenario."""
    return asyncio.run(Personas.create(bench_database()))


@contextmanager
def scenario_backends(names: list[str]) -> Iterator[dict[str, tuple[str, str]]]:
    """For each scenario of a parallel run: a copy of this run's migrated database and a Redis database of its own.

    Yields name -> (DATABASE_URL, REDIS_URL); the copies are dropped and the Redis databases emptied afterwards.
    """
    server, template = bench_database().rsplit("/", 1)
    redis_server = os.environ["REDIS_URL"].rsplit("/", 1)[0]
    backends = {
        name: (f"{server}/{template}_{name}", f"{redis_server}/{index}")
        for index, name in enumerate(names, start=1)  # Redis database 0 is the run's own
    }

    def each_database(statement: str) -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            for database_url, redis_url in backends.values():
                database = sql.Identifier(database_url.rsplit("/", 1)[1])
                connection.execute(sql.SQL(statement).format(database, sql.Identifier(template)))
                with redis.Redis.from_url(redis_url) as client:
                    client.flushdb()

    each_database("CREATE DATABASE {} TEMPLATE {}")
    try:
        yield backends
    finally:
        each_database("DROP DATABASE IF EXISTS {} WITH (FORCE)")
