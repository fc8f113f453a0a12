"""Chromium for browser tests (Playwright's own build where installed, else Debian's) and the steps
every browser test shares: signing in, waiting for live updates, taking the README's screenshots."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from waybill_contracts.personas import DEMO_PASSWORD
from waybill_devstack.settings import REPO_ROOT
from waybill_devstack.stack import RunningStack

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
INSTALL_TIMEOUT_SECONDS = 600
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
"""Where the browser tests write the pictures the README and docs/dashboard.md show."""
# Records CSP violations in window.__violations; add it with add_init_script, which Playwright runs
# before any page script (not subject to the page's CSP).
WATCH_CSP_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def system_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def playwright_chromium() -> Path:
    """Where Playwright's own Chromium is, or would be once installed."""
    with sync_playwright() as playwright:
        return Path(playwright.chromium.executable_path)


def launch_chromium(playwright: Playwright) -> Browser:
    if Path(playwright.chromium.executable_path).exists():
        return playwright.chromium.launch()
    chromium = system_chromium()
    if chromium is None:
        raise RuntimeError("No Chromium found: install Debian's `chromium` package (see .ci/run).")
    return playwright.chromium.launch(executable_path=chromium, args=SYSTEM_CHROMIUM_ARGS)


def ensure_chromium() -> str | None:
    """Make sure the browser tests have a Chromium; None when they do, else what is missing and how to fix it.

    Playwright's own build is installed when neither it nor a system Chromium
    is there (which needs Playwright's download to be reachable).
    """
    own = playwright_chromium()
    if own.exists() or system_chromium():
        return None
    print("No Chromium for the browser tests: running `playwright install chromium`", flush=True)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
        failure = (result.stderr + result.stdout).strip().splitlines()[-1:] if result.returncode else []
    except subprocess.TimeoutExpired:
        failure = [f"no answer within {INSTALL_TIMEOUT_SECONDS} s"]
    if not failure and playwright_chromium().exists():
        return None
    return (
        "The browser tests (e2e/) need Chromium and this machine has none: Playwright's own build is "
        f"not at {own}, no `chromium` or `chromium-browser` is on PATH, and `playwright install chromium` "
        f"failed ({' '.join(failure) or 'it installed nothing'}).\n"
        "Install Debian's package (`apt-get install chromium`), or make Playwright's download reachable "
        "and run `.venv/bin/playwright install --with-deps chromium`; then run the tests again."
    )


def sign_in(
    page: Page, stack: RunningStack, email: str, then: str = "/", *, password: str = DEMO_PASSWORD
) -> None:
    """Sign in on the dashboard's form and wait until it has opened ``then``."""
    page.goto(f"{stack.django_url}/accounts/login/?next={then}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(re.escape(stack.django_url + then.split("?")[0])))


PHONE: ViewportSize = {"width": 390, "height": 844}
"""A common phone's screen in CSS pixels (iPhone 12 to 15)."""


def phone_context(browser: Browser, viewport: ViewportSize = PHONE) -> BrowserContext:
    """A browser context that is a phone: its screen size, touch, and the mobile viewport rules."""
    return browser.new_context(viewport=viewport, is_mobile=True, has_touch=True)


def expect_live(page: Page) -> None:
    """Wait until the page's live indicator says its WebSocket is subscribed."""
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=15_000)


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save the page as ``docs/screenshots/dashboard-<name>.png``."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"dashboard-{name}.png", full_page=full_page)
