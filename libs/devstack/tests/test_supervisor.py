import io
import itertools
import signal
import sys
import time

from waybill_devstack.supervisor import Backoff, ProcessGroup


def test_output_is_prefixed_with_the_process_name() -> None:
    output = io.StringIO()
    with ProcessGroup(output=output) as group:
        process = group.start("greeter", [sys.executable, "-c", "print('hello')"])
        process.wait(timeout=10)
        group.processes[0].log_thread.join(timeout=5)
    assert "greeter |\x1b[0m hello" in output.getvalue()


def test_stopping_the_group_stops_every_process() -> None:
    group = ProcessGroup(output=io.StringIO())
    sleepers = [
        group.start(f"sleeper{i}", [sys.executable, "-c", "import time; time.sleep(60)"]) for i in range(2)
    ]
    group.stop_all()
    assert [sleeper.returncode for sleeper in sleepers] == [-signal.SIGTERM, -signal.SIGTERM]


def _wait_for_line(output: io.StringIO, line: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while line not in output.getvalue():
        assert time.monotonic() < deadline, f"no {line!r} in {output.getvalue()!r}"
        time.sleep(0.01)


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    output = io.StringIO()
    group = ProcessGroup(output=output, stop_timeout=0.5)
    stubborn = group.start(
        "stubborn",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)",
        ],
    )
    _wait_for_line(output, "stubborn |\x1b[0m ready")  # printed once the handler is installed
    group.stop_all()
    assert stubborn.returncode == -signal.SIGKILL


def test_first_exited_names_the_process_that_died() -> None:
    with ProcessGroup(output=io.StringIO()) as group:
        group.start("long", [sys.executable, "-c", "import time; time.sleep(60)"])
        group.start("short", [sys.executable, "-c", "raise SystemExit(3)"])
        exited = group.wait_for_any_exit(lambda: False)
        assert exited is not None
        assert (exited.name, exited.popen.returncode) == ("short", 3)


def test_a_crashed_child_is_restarted_with_a_growing_delay_and_the_log_says_so() -> None:
    output = io.StringIO()
    starts: list[float] = []
    with ProcessGroup(output=output) as group:
        group.start("crasher", [sys.executable, "-c", "print('up', flush=True); raise SystemExit(3)"])
        group.start("steady", [sys.executable, "-c", "import time; time.sleep(60)"])
        crasher, steady = group.processes
        steady_pid = steady.popen.pid

        def three_restarts_done() -> bool:
            if not starts or starts[-1] != crasher.started_at:
                starts.append(crasher.started_at)
            return crasher.restarts >= 3

        group.supervise(three_restarts_done, backoff=Backoff(first=0.2, longest=0.8), poll=0.02)
        crasher.popen.wait(timeout=10)
        crasher.log_thread.join(timeout=5)
        assert steady.popen.pid == steady_pid
        assert steady.popen.poll() is None
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(gaps) == 3
    # 0.2 s, 0.4 s, then 0.8 s after each crash (plus the child's own run time).
    assert gaps[0] >= 0.2
    assert gaps[1] >= 0.4
    assert gaps[2] >= 0.8
    log = output.getvalue()
    assert "crasher exited with code 3" in log
    assert "restarting it in 0.8 s (restart 3)" in log
    assert log.count("crasher |\x1b[0m up") == 4


def test_the_backoff_doubles_up_to_its_longest_delay() -> None:
    backoff = Backoff(first=1, longest=30)
    assert [backoff.delay(crashes) for crashes in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
