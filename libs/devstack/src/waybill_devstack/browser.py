"""Chromium for browser tests: Playwright's own build where installed, else Debian's."""

import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright

# Flags for a headless Chromium as root on a machine with no outside network:
# without the networking ones it keeps trying to reach Google's services.
SYSTEM_CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Playwright) -> Browser:
    if Path(playwright.chromium.executable_path).exists():
        return playwright.chromium.launch()
    system_chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if system_chromium is None:
        raise RuntimeError("No Chromium found: install Debian's `chromium` package (see .ci/run).")
    return playwright.chromium.launch(executable_path=system_chromium, args=SYSTEM_CHROMIUM_ARGS)
