import io
import signal
import sys
import time

from waybill_devstack.supervisor import ProcessGroup


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


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    group = ProcessGroup(output=io.StringIO(), stop_timeout=0.5)
    stubborn = group.start(
        "stubborn",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)",
        ],
    )
    time.sleep(0.5)  # let it install the handler
    group.stop_all()
    assert stubborn.returncode == -signal.SIGKILL


def test_first_exited_names_the_process_that_died() -> None:
    with ProcessGroup(output=io.StringIO()) as group:
        group.start("long", [sys.executable, "-c", "import time; time.sleep(60)"])
        group.start("short", [sys.executable, "-c", "raise SystemExit(3)"])
        exited = group.wait_for_any_exit(lambda: False)
        assert exited is not None
        assert (exited.name, exited.popen.returncode) == ("short", 3)
