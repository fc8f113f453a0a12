import os
import subprocess
from pathlib import Path

from waybill_devstack.stack import BIN


def test_a_test_run_that_collects_no_test_fails() -> None:
    result = subprocess.run(
        [str(BIN / "waybill-dev"), "test", "libs/contracts", "-k", "no_test_has_this_name", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "collected no test" in result.stderr


def test_options_for_pytest_may_come_first() -> None:
    result = subprocess.run(
        [str(BIN / "waybill-dev"), "test", "-m", "faults", "-k", "no_test_has_this_name", "libs/contracts"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "unrecognized arguments" not in result.stderr
    assert "collected no test" in result.stderr


def test_browser_tests_without_any_chromium_stop_before_they_start_saying_what_to_install(
    tmp_path: Path,
) -> None:
    # No chromium on PATH, and Playwright can neither find nor install its own build here.
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    env = {**os.environ, "PATH": str(BIN), "PLAYWRIGHT_BROWSERS_PATH": str(not_a_directory / "browsers")}

    result = subprocess.run(
        [str(BIN / "waybill-dev"), "test", "e2e", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )

    assert result.returncode == 1
    assert "Test backends:" not in result.stdout, "it stopped before starting anything"
    assert "playwright install chromium` failed" in result.stderr
    assert "apt-get install chromium" in result.stderr
