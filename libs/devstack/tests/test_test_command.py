import subprocess

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
