"""The test support is a package of its own that no image installs."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_the_realtime_service_ships_no_test_support() -> None:
    assert importlib.util.find_spec("waybill_realtime.testing") is None
    assert importlib.util.find_spec("waybill_testkit.realtime") is not None


def test_no_image_copies_the_test_support() -> None:
    dockerfiles = sorted(ROOT.glob("services/*/Dockerfile"))
    assert dockerfiles
    for dockerfile in dockerfiles:
        copied = [line for line in dockerfile.read_text().splitlines() if line.startswith("COPY")]
        assert not [line for line in copied if "testkit" in line or line.split()[1] in {".", "libs"}], (
            dockerfile
        )
