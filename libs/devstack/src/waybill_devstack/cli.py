"""``waybill-dev``: run the whole product locally, or run the tests against real backends.

waybill-dev up        PostgreSQL, Redis, Django, realtime, worker, beat; restarts what crashes; Ctrl-C stops all
waybill-dev test ...  throwaway PostgreSQL and Redis on free ports, then pytest ...
waybill-dev backends  only the throwaway test backends, printing their URLs
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from waybill_devstack import browser, fleet_simulator, stack
from waybill_devstack.settings import REPO_ROOT, DevSettings
from waybill_devstack.supervisor import ProcessGroup

PYTEST_NO_TESTS_COLLECTED = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="waybill-dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run everything with demo data")
    test = commands.add_parser("test", help="run pytest against throwaway PostgreSQL and Redis")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    commands.add_parser("backends", help="start throwaway test backends and print their URLs")
    run = commands.add_parser("run", help="run a command with throwaway backends")
    run.add_argument("command_args", nargs=argparse.REMAINDER)
    commands.add_parser("simulate", help="drive the demo fleet (needs DATABASE_URL and a running stack)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        # Everything after `test` is pytest's, options first included (`test -m faults`).
        return run_tests(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(DevSettings())
    if args.command == "test":
        return run_tests(args.pytest_args)
    if args.command == "run":
        return run_with_backends(args.command_args)
    if args.command == "simulate":
        return simulate(DevSettings())
    return serve_test_backends()


class _StopRequested:
    def __init__(self) -> None:
        self.requested = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request)

    def _request(self, signum: int, frame: object) -> None:
        self.requested = True


def up(settings: DevSettings) -> int:
    stop = _StopRequested()
    started = time.monotonic()
    busy = _ports_in_use(settings)
    if busy:
        print(
            f"Port(s) {', '.join(map(str, busy))} already in use: is another `make up` running?",
            file=sys.stderr,
        )
        return 1
    with ProcessGroup() as group, ExitStack() as stack_:
        backends = stack.Backends(
            database_url=settings.database_url or "",
            redis_url=settings.redis_url or "",
        )
        if not settings.database_url or not settings.redis_url:
            group.say(f"Starting PostgreSQL and Redis with data under {settings.local_data_dir}")
            local = stack_.enter_context(
                stack.local_backends(
                    group,
                    data_dir=settings.local_data_dir,
                    postgres_port=settings.local_postgres_port,
                    redis_port=settings.local_redis_port,
                    database="waybill",
                    durable=True,
                )
            )
            backends = stack.Backends(
                database_url=settings.database_url or local.database_url,
                redis_url=settings.redis_url or local.redis_url,
            )
        env = up_environment(settings, backends)
        group.say("Applying migrations")
        stack.manage("migrate", "--no-input", env=env)
        group.say("Seeding the demo organization")
        stack.manage("seed_demo", env=env)

        group.start(
            "django", stack.django_command(settings.bind_host, settings.django_port, reload=True), env=env
        )
        group.start("realtime", stack.realtime_command(), env=env)
        group.start("worker", stack.worker_command(concurrency=2), env=env)
        group.start("beat", stack.beat_command(settings.local_data_dir / "celerybeat-schedule"), env=env)
        for port in (settings.django_port, settings.realtime_port):
            if not _wait_until_ready(group, f"http://{settings.bind_host}:{port}", stop):
                return 1
        group.start("simulator", [str(stack.BIN / "waybill-dev"), "simulate"], env=env)
        group.say(_banner(settings, time.monotonic() - started))

        # A crashed child is restarted (with a growing delay); only Ctrl-C stops everything.
        group.supervise(lambda: stop.requested)
        group.say("Stopping every process")
    return 0


def up_environment(settings: DevSettings, backends: stack.Backends) -> dict[str, str]:
    """The environment of every process ``make up`` starts."""
    return {
        **stack.service_environment(
            backends, settings_module="waybill_django.config.settings.local", environment="development"
        ),
        **settings.service_environment(),
    }


def simulate(settings: DevSettings) -> int:
    stop = _StopRequested()
    if not settings.database_url:
        print("simulate needs DATABASE_URL (make up sets it)", file=sys.stderr)
        return 2
    realtime_url = f"http://{settings.bind_host}:{settings.realtime_port}"
    fleet_simulator.run(realtime_url, settings.database_url, lambda: stop.requested)
    return 0


def _ports_in_use(settings: DevSettings) -> list[int]:
    ports = [settings.django_port, settings.realtime_port]
    if not settings.database_url:
        ports.append(settings.local_postgres_port)
    if not settings.redis_url:
        ports.append(settings.local_redis_port)
    return [port for port in ports if not stack.port_is_free(settings.bind_host, port)]


def _wait_until_ready(group: ProcessGroup, url: str, stop: _StopRequested, timeout: float = 120) -> bool:
    """Wait for ``url``/readyz; False when a process died, Ctrl-C was pressed or time ran out."""
    deadline = time.monotonic() + timeout
    while not stack.is_ready(url):
        exited = group.first_exited()
        if exited or stop.requested or time.monotonic() > deadline:
            reason = (
                f"{exited.name} exited with code {exited.popen.returncode}" if exited else "not ready in time"
            )
            group.say(
                f"{url} did not become ready ({'stopped' if stop.requested else reason}); stopping everything"
            )
            return False
        time.sleep(0.2)
    return True


def _banner(settings: DevSettings, seconds: float) -> str:
    host = settings.browser_host
    return "\n".join(
        [
            "",
            f"Waybill is up ({seconds:.0f} s). Ctrl-C stops every process.",
            f"  Django admin     http://{host}:{settings.django_port}/admin/",
            f"  Realtime API     http://{host}:{settings.realtime_port}/docs",
            f"  WebSocket        ws://{host}:{settings.realtime_port}/ws",
            "  Demo sign-in (development passwords, organization Demo Logistics):",
            "    admin@demo.waybill.test       waybill-demo   owner and platform staff (Django admin)",
            "    dispatcher@demo.waybill.test  waybill-demo   dispatcher",
            "    driver@demo.waybill.test      waybill-demo   driver",
            "    viewer@demo.waybill.test      waybill-demo   viewer",
            "",
        ]
    )


@contextmanager
def _throwaway_backends(group: ProcessGroup) -> Iterator[stack.Backends]:
    data_dir = Path(tempfile.mkdtemp(prefix="waybill-test-"))
    try:
        with stack.local_backends(
            group,
            data_dir=data_dir,
            postgres_port=stack.free_port(),
            redis_port=stack.free_port(),
            database="waybill",
            durable=False,
        ) as backends:
            yield backends
    finally:
        group.stop_all()
        shutil.rmtree(data_dir, ignore_errors=True)


def run_tests(pytest_args: list[str]) -> int:
    if _runs_browser_tests(pytest_args):
        missing = browser.ensure_chromium()
        if missing:
            print(missing, file=sys.stderr)
            return 1
    code = run_with_backends([sys.executable, "-m", "pytest", *pytest_args])
    if code == PYTEST_NO_TESTS_COLLECTED:
        print("pytest collected no test: that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


# pytest options whose value is the next argument (and may look like a path).
_PYTEST_OPTIONS_WITH_VALUES = frozenset(
    {"-k", "-m", "-p", "-o", "-c", "--deselect", "--ignore", "--ignore-glob", "--rootdir", "--timeout"}
)


def _runs_browser_tests(pytest_args: list[str]) -> bool:
    """Whether the run includes e2e/: no path given (every test) or a path under it."""
    paths = [
        arg
        for previous, arg in zip(["", *pytest_args], pytest_args, strict=False)
        if previous not in _PYTEST_OPTIONS_WITH_VALUES
        and not arg.startswith("-")
        and (REPO_ROOT / arg.split("::")[0]).exists()
    ]
    return not paths or any(Path(path).parts[:1] == ("e2e",) for path in paths)


def run_with_backends(command: list[str]) -> int:
    log_path = REPO_ROOT / ".local" / "test-backends.log"
    log_path.parent.mkdir(exist_ok=True)
    with (
        log_path.open("w") as log,
        ProcessGroup(output=log) as group,
        _throwaway_backends(group) as backends,
        # Uploaded files of this run, shared by the tests and the processes they start.
        tempfile.TemporaryDirectory(prefix="waybill-test-media-") as media_root,
    ):
        print(f"Test backends: {backends.database_url} {backends.redis_url} (log: {log_path})", flush=True)
        environ = {name: value for name, value in os.environ.items() if name != "MEDIA_BUCKET"}
        env = {**environ, **stack.test_environment(backends), "MEDIA_ROOT": media_root}
        return subprocess.run(command, env=env, cwd=REPO_ROOT).returncode


def serve_test_backends() -> int:
    stop = _StopRequested()
    with ProcessGroup() as group, _throwaway_backends(group) as backends:
        exports = " ".join(f"{key}={value}" for key, value in stack.test_environment(backends).items())
        group.say(f"\nexport {exports}\n\nCtrl-C stops the backends.")
        group.wait_for_any_exit(lambda: stop.requested)
    return 0


if __name__ == "__main__":
    sys.exit(main())
