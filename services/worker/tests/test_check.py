import os
import subprocess
from collections.abc import Callable

from waybill_devstack.stack import BIN


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "waybill-worker-check")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_check_passes_when_broker_and_database_answer(redis_url: str) -> None:
    result = run_check()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_check_fails_and_says_why_when_the_broker_is_down(free_port: Callable[[], int]) -> None:
    result = run_check(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert result.returncode == 1
    assert "broker unreachable" in result.stderr
