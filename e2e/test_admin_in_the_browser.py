"""Platform staff work in the Django admin with a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email
from waybill_devstack.browser import SCREENSHOTS
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


def test_staff_sign_in_and_create_a_shipment_in_the_admin(running_stack: RunningStack, page: Page) -> None:
    page.goto(f"{running_stack.django_url}/admin/")
    page.get_by_label("Email").fill(demo_email(Role.OWNER))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto(f"{running_stack.django_url}/admin/shipments/shipment/add/")
    # The organization field is the admin's autocomplete widget: open it, search, pick.
    page.locator(".field-organization .select2-selection").click()
    page.locator(".select2-search__field").fill("Demo")
    page.get_by_role("option", name="Demo Logistics").click()
    page.get_by_label("Reference").fill("BROWSER-1")
    page.get_by_label("Customer name").fill("Browser Customer")
    page.get_by_label("Origin address").fill("1 Quay")
    page.get_by_label("Destination address").fill("2 Street")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("BROWSER-1")
    row = page.get_by_role("row", name=re.compile("BROWSER-1"))
    expect(row).to_contain_text("Draft")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-shipments.png", full_page=True)
