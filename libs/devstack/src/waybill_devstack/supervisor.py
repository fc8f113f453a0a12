"""Run several processes as one: prefixed logs, restarts, and one stop for all.

Every child runs in its own session so that Ctrl-C reaches only us; we then
stop the children in reverse start order (SIGTERM, then SIGKILL after a grace
period), so databases outlive the services that use them. ``supervise``
restarts a child that exits, after a backoff that grows while it keeps
crashing, as a process manager would.
"""

import contextlib
import itertools
import os
import pwd
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any, Self

_COLOURS = itertools.cycle(["36", "33", "35", "32", "34", "31", "96", "93"])


# A child that ran at least this long before exiting is restarted after the first delay again.
HEALTHY_RUN_SECONDS = 30.0


@dataclass(frozen=True)
class Backoff:
    """Restart delays: ``first`` doubling up to ``longest``."""

    first: float = 1.0
    longest: float = 30.0

    def delay(self, consecutive_crashes: int) -> float:
        return min(self.longest, self.first * 2.0 ** max(0, consecutive_crashes - 1))


@dataclass
class ManagedProcess:
    name: str
    prefix: str
    popen: subprocess.Popen[bytes]
    log_thread: threading.Thread
    stop_signal: int
    launch: Callable[[], subprocess.Popen[bytes]]
    """Starts the same command again, for a restart."""
    started_at: float = field(default_factory=time.monotonic)
    restarts: int = 0
    consecutive_crashes: int = 0
    restart_at: float | None = None


@dataclass
class ProcessGroup:
    """Start processes, stream their output, stop them all on exit."""

    output: IO[str] = field(default_factory=lambda: sys.stdout)
    stop_timeout: float = 10.0
    processes: list[ManagedProcess] = field(default_factory=list)
    _output_lock: threading.Lock = field(default_factory=threading.Lock)

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> subprocess.Popen[bytes]:
        """Start ``command``; ``stop_signal`` is what asks it to shut down cleanly."""
        prefix = f"\033[{next(_COLOURS)}m{name:>9} |\033[0m "

        def launch() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                list(command),
                env={**os.environ, **(env or {})},
                cwd=cwd,
                **as_user(user),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        popen = launch()
        self.processes.append(
            ManagedProcess(name, prefix, popen, self._stream(prefix, popen), stop_signal, launch)
        )
        return popen

    def _stream(self, prefix: str, popen: subprocess.Popen[bytes]) -> threading.Thread:
        assert popen.stdout is not None
        thread = threading.Thread(target=self._pump, args=(prefix, popen.stdout), daemon=True)
        thread.start()
        return thread

    def _pump(self, prefix: str, stream: IO[bytes]) -> None:
        for raw_line in stream:
            line = raw_line.decode("utf-8", errors="replace").rstrip("\n")
            with self._output_lock:
                self.output.write(f"{prefix}{line}\n")
                self.output.flush()

    def say(self, message: str) -> None:
        with self._output_lock:
            self.output.write(f"{message}\n")
            self.output.flush()

    def first_exited(self) -> ManagedProcess | None:
        return next((process for process in self.processes if process.popen.poll() is not None), None)

    def wait_for_any_exit(self, should_stop: Callable[[], bool]) -> ManagedProcess | None:
        """Block until a child exits (returned) or ``should_stop()`` turns true (None)."""
        while not should_stop():
            exited = self.first_exited()
            if exited:
                return exited
            time.sleep(0.2)
        return None

    def supervise(
        self, should_stop: Callable[[], bool], *, backoff: Backoff | None = None, poll: float = 0.2
    ) -> None:
        """Until ``should_stop()`` turns true, restart every child that exits, after a backoff.

        The delay doubles while a child keeps crashing soon after its start and
        goes back to the first one once it ran for ``HEALTHY_RUN_SECONDS``.
        """
        backoff = backoff or Backoff()
        while not should_stop():
            now = time.monotonic()
            for process in self.processes:
                if process.restart_at is None and process.popen.poll() is not None:
                    self._schedule_restart(process, backoff, now)
                elif process.restart_at is not None and now >= process.restart_at:
                    self._restart(process)
            time.sleep(poll)

    def _schedule_restart(self, process: ManagedProcess, backoff: Backoff, now: float) -> None:
        ran_for = now - process.started_at
        process.consecutive_crashes = 1 if ran_for >= HEALTHY_RUN_SECONDS else process.consecutive_crashes + 1
        delay = backoff.delay(process.consecutive_crashes)
        process.restart_at = now + delay
        self.say(
            f"{process.name} exited with code {process.popen.returncode} after {ran_for:.1f} s; "
            f"restarting it in {delay:.1f} s (restart {process.restarts + 1})"
        )

    def _restart(self, process: ManagedProcess) -> None:
        process.log_thread.join(timeout=2)
        if process.popen.stdout:
            process.popen.stdout.close()
        # Whatever the dead leader left in its session would hold ports and locks the new one needs.
        _signal_group(process.popen, signal.SIGKILL)
        process.popen = process.launch()
        process.log_thread = self._stream(process.prefix, process.popen)
        process.started_at = time.monotonic()
        process.restart_at = None
        process.restarts += 1
        self.say(f"{process.name} restarted (pid {process.popen.pid})")

    def stop(self, name: str) -> None:
        for process in self.processes:
            if process.name == name:
                _terminate([process], self.stop_timeout)

    def renew(self, name: str, *, while_stopped: Callable[[], None] = lambda: None) -> None:
        """End ``name`` at once (nothing it holds is kept), call ``while_stopped``, then start its command again."""
        self.kill(name)
        while_stopped()
        (process,) = (process for process in self.processes if process.name == name)
        self._restart(process)

    def kill(self, name: str, signum: int = signal.SIGKILL) -> None:
        """End the process ``name`` and its session with ``signum`` at once, as a crash would (no clean shutdown)."""
        for process in self.processes:
            if process.name == name:
                _signal_group(process.popen, signum)
                process.popen.wait(self.stop_timeout)

    def stop_all(self) -> None:
        _terminate(list(reversed(self.processes)), self.stop_timeout)
        for process in self.processes:
            process.log_thread.join(timeout=2)
            if process.popen.stdout:
                process.popen.stdout.close()
        self.processes.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()


def as_user(user: str | None) -> dict[str, Any]:
    """Popen arguments that run a child as ``user`` with that user's group only.

    Switching the user alone would keep root's group, whose permission bits
    then apply to root-owned directories and lock the child out of them.
    """
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def _terminate(processes: list[ManagedProcess], timeout: float) -> None:
    for process in processes:
        if process.popen.poll() is None:
            # Only the leader is asked: it stops its own children in order (Celery
            # finishes or requeues its jobs, PostgreSQL shuts down its backends).
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.popen.pid, process.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout)
        # Whatever is left in its session (a stuck leader, an orphaned child) is killed.
        _signal_group(process.popen, signal.SIGKILL)
        process.popen.wait()


def _signal_group(popen: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(popen.pid, signum)
