"""``waybill-realtime``'s launcher: the app is built, and everything alive then frozen, before uvicorn serves it."""

import subprocess
import sys

PROBE = """
import gc, sys
from waybill_realtime.__main__ import freeze_startup_objects
freeze_startup_objects()
print(gc.get_freeze_count(), "waybill_realtime.main" in sys.modules)
"""


def test_the_app_and_the_startup_objects_are_frozen_out_of_the_collectors_reach() -> None:
    # A process of its own: freezing is for the whole process, and this one is the test runner.
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    frozen, app_imported = probe.stdout.split()

    assert app_imported == "True"  # uvicorn's import string then finds the frozen app, not a second one
    assert int(frozen) > 10_000  # the modules, the app and its validators
