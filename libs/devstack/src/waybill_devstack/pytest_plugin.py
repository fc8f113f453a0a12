"""Fixtures for tests that need real backends or real Waybill processes.

``waybill-dev test`` starts throwaway PostgreSQL and Redis servers and puts
their URLs in DATABASE_URL and REDIS_URL; these fixtures build on them.
"""

import io
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from playwright.sync_api import Browser, Page, sync_playwright
from psycopg import sql

from waybill_devstack import stack
from waybill_devstack.browser import launch_chromium
from waybill_devstack.settings import REPO_ROOT
from waybill_devstack.supervisor import ProcessGroup

TEMPLATE_DATABASE = "waybill_migrated_template"
# The figures the fault scenarios measured in the last run, for docs/reliability.md.
FIGURES_FILE = REPO_ROOT / ".local" / "fault-figures.txt"
_figures: list[str] = []


def _backend_url(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests with `make test` (or `waybill-dev test`).")
    return value


def _with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(_with_database(_backend_url("DATABASE_URL"), "postgres"), autocommit=True)


@pytest.fixture(scope="session")
def migrated_template() -> str:
    """A database built by Django's migrations, cloned by ``migrated_database_url``."""
    with _admin_connection() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(TEMPLATE_DATABASE)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DATABASE)))
    url = _with_database(_backend_url("DATABASE_URL"), TEMPLATE_DATABASE)
    stack.manage("migrate", "--no-input", "--verbosity", "0", env={"DATABASE_URL": url})
    return TEMPLATE_DATABASE


@pytest.fixture
def migrated_database_url(migrated_template: str) -> Iterator[str]:
    """A fresh database with every migration applied, dropped after the test.

    For tests whose data must be committed because other processes read it.
    """
    name = f"waybill_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(migrated_template)
            )
        )
    yield _with_database(_backend_url("DATABASE_URL"), name)
    with _admin_connection() as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis, emptied before and after the test."""
    url = _backend_url("REDIS_URL")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


class Transcript(io.StringIO):
    """Keeps what the processes printed (for assertions) and echoes it to the test's output."""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        return super().write(text)


@pytest.fixture
def processes() -> Iterator[ProcessGroup]:
    """Start real processes in a test; every one is stopped when the test ends.

    ``processes.output.getvalue()`` is everything they printed so far.
    """
    with ProcessGroup(output=Transcript(), stop_timeout=10) as group:
        yield group


@pytest.fixture
def free_port() -> Callable[[], int]:
    return stack.free_port


@pytest.fixture
def running_stack(migrated_database_url: str, redis_url: str, processes: ProcessGroup) -> stack.RunningStack:
    """The whole product as real processes (Django, realtime, a Celery worker) with the demo data."""
    backends = stack.Backends(database_url=migrated_database_url, redis_url=redis_url)
    # The processes run as under `make up` (local settings: real password hashes, which the
    # realtime service must verify), on their own database, Redis and ports.
    return stack.start_stack(processes, backends, settings_module="waybill_django.config.settings.local")


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Per test, not per session: Playwright's sync API runs an event loop of its
    # own, which must not be alive while pytest-asyncio runs an async test.
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (own cookies) with a desktop-sized viewport."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def fault_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record what a fault scenario measured: printed after the run and kept in ``.local/fault-figures.txt``."""

    def record(text: str) -> None:
        line = f"{request.node.nodeid}: {text}"
        _figures.append(line)
        FIGURES_FILE.parent.mkdir(exist_ok=True)
        with Path(FIGURES_FILE).open("a") as figures:
            figures.write(line + "\n")

    return record


def pytest_sessionstart(session: pytest.Session) -> None:
    FIGURES_FILE.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _figures:
        terminalreporter.section("measured figures")
        for line in _figures:
            terminalreporter.write_line(line)
