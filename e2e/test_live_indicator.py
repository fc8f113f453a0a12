"""The live indicator tells the truth when the realtime service refuses the page's WebSocket."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


def test_a_refused_handshake_says_live_updates_are_off_instead_of_reconnecting_forever(
    running_stack: RunningStack, page: Page, stack_output: Callable[[], str]
) -> None:
    # The realtime service admits the Origin http://127.0.0.1:<port> only. The same dashboard
    # opened as http://localhost:<port> sends another Origin, so every handshake gets HTTP 403,
    # which a page sees as a socket closed before it opened: what a misconfigured port gave.
    dashboard = running_stack.django_url.replace("127.0.0.1", "localhost")
    page.goto(f"{dashboard}/accounts/login/?next=/")
    page.get_by_label("Email").fill(demo_email(Role.DISPATCHER))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    page.wait_for_url(f"{dashboard}/")

    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "error", timeout=30_000)
    expect(status).to_have_text("Live updates off — reload the page")
    assert "403" in stack_output(), "the handshakes were refused by the realtime service"
    # It keeps retrying in the background, and the label does not fall back to "Reconnecting…".
    page.wait_for_timeout(3_000)
    expect(status).to_have_attribute("data-state", "error")
