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
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from psycopg import sql

from waybill_devstack import stack
from waybill_devstack.browser import launch_chromium
from waybill_devstack.settings import REPO_ROOT
from waybill_devstack.snapshot import DatabaseSnapshot, RedisSnapshot
from waybill_devstack.supervisor import ProcessGroup

TEMPLATE_DATABASE = "waybill_migrated_template"
SHARED_STACK_DATABASE = "waybill_shared_stack"
SHARED_STACK_REDIS_DB = 15
"""The shared stack's own Redis database: other tests empty database 0 while it runs."""
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


class SharedStack:
    """One running stack for every test that asks for ``running_stack``, with the demo's data put back before each.

    Started by the first such test and stopped after the last one of a run of them. Before every test
    after the first, the worker is ended at once (its jobs in flight, queued or scheduled with it), PostgreSQL's rows
    and Redis's keys are put back as they were right after seeding, and the worker starts again: each
    test starts from the same data as on a new stack, and nothing a test left running reaches the next.
    """

    def __init__(self) -> None:
        self.running: stack.RunningStack | None = None
        self.transcript = Transcript()
        self._group: ProcessGroup | None = None
        self._snapshots: tuple[DatabaseSnapshot, RedisSnapshot] | None = None

    def get(self, template: str) -> stack.RunningStack:
        if self.running is None:
            self.running = self._start(template)
        else:
            self._put_back(self.running)
        return self.running

    def _start(self, template: str) -> stack.RunningStack:
        with _admin_connection() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(SHARED_STACK_DATABASE), sql.Identifier(template)
                )
            )
        backends = stack.Backends(
            database_url=_with_database(_backend_url("DATABASE_URL"), SHARED_STACK_DATABASE),
            redis_url=_with_database(_backend_url("REDIS_URL"), str(SHARED_STACK_REDIS_DB)),
        )
        redis.Redis.from_url(backends.redis_url).flushdb()

        def snapshot() -> None:
            self._snapshots = (
                DatabaseSnapshot.take(backends.database_url),
                RedisSnapshot.take(backends.redis_url),
            )

        self._group = ProcessGroup(output=self.transcript, stop_timeout=10)
        try:
            # The processes run as under `make up` (local settings: real password hashes, which the
            # realtime service must verify), on their own database, Redis and ports.
            return stack.start_stack(
                self._group, backends, settings_module="waybill_django.config.settings.local", seeded=snapshot
            )
        except BaseException:
            self.stop()
            raise

    def _put_back(self, running: stack.RunningStack) -> None:
        assert self._group is not None
        assert self._snapshots is not None
        database, keys = self._snapshots

        def restore() -> None:
            database.restore(running.database_url)
            keys.restore(running.redis_url)

        self._group.renew("worker", while_stopped=restore)

    def stop(self) -> None:
        if self._group is None:
            return
        self._group.stop_all()
        self._group = self.running = self._snapshots = None
        with _admin_connection() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(SHARED_STACK_DATABASE)
                )
            )
        redis.Redis.from_url(_with_database(_backend_url("REDIS_URL"), str(SHARED_STACK_REDIS_DB))).flushdb()


_shared_stack = SharedStack()


@pytest.fixture
def running_stack(migrated_template: str) -> stack.RunningStack:
    """The whole product as real processes (Django, realtime, a Celery worker) with the demo data.

    One stack serves every test in a row that asks for it, its data as freshly seeded for each (SharedStack).
    """
    return _shared_stack.get(migrated_template)


@pytest.fixture
def stack_output(running_stack: stack.RunningStack) -> Callable[[], str]:
    """What the running stack's processes have printed since this test began."""
    transcript = _shared_stack.transcript
    start = len(transcript.getvalue())
    return lambda: transcript.getvalue()[start:]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop what is shared once the next test does not ask for it (or none is left)."""
    wanted = getattr(nextitem, "fixturenames", ())
    if "running_stack" not in wanted:
        _shared_stack.stop()
    if "browser" not in wanted:
        _shared_browser.stop()


class SharedBrowser:
    """One Chromium for every test in a row that asks for ``browser``; what a test opened is closed after it.

    Not one per session: Playwright's sync API runs an event loop of its own, which must not be alive
    while pytest-asyncio runs an async test, so it stops before any test that does not ask for it.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            self.stop()
            self._playwright = sync_playwright().start()
            self._browser = launch_chromium(self._playwright)
        return self._browser

    def close_contexts(self) -> None:
        """Each test's own windows, cookies and storage go with it, as with a new browser."""
        if self._browser is not None and self._browser.is_connected():
            for context in self._browser.contexts:
                context.close()

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None


_shared_browser = SharedBrowser()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Chromium (SharedBrowser): every context a test opens is closed when it ends."""
    yield _shared_browser.get()
    _shared_browser.close_contexts()


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


def pytest_sessionfinish(session: pytest.Session) -> None:
    # An interrupted run tears no last test down.
    _shared_browser.stop()
    _shared_stack.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _figures:
        terminalreporter.section("measured figures")
        for line in _figures:
            terminalreporter.write_line(line)
