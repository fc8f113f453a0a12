"""The shipments list's tools, alerts and printable pages in real Chromium against the running stack."""

import re
from datetime import UTC, datetime

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from waybill_devstack.browser import expect_live, phone_context, shot, sign_in
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


# For every header: whether it shows, and whether the first row's cell of the same column shows
# right under it (same left edge); and how many lines its text takes.
COLUMNS_JS = """
(table) => {
  const cells = Array.from(table.tBodies[0].rows[0].cells);
  return Array.from(table.tHead.rows[0].cells).map((th, i) => {
    const cell = cells[i];
    const shown = (el) => getComputedStyle(el).display !== 'none';
    const range = document.createRange();
    range.selectNodeContents(th);
    const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
    return {
      header: th.textContent.trim(),
      header_shown: shown(th),
      cell_shown: shown(cell),
      aligned: Math.abs(th.getBoundingClientRect().left - cell.getBoundingClientRect().left) < 1,
      lines,
    };
  });
}
"""


def row_of(page: Page, reference: str):  # type: ignore[no-untyped-def]
    return page.locator("#shipment-table tbody tr").filter(has_text=reference)


def test_on_a_phone_every_list_header_sits_over_its_own_column(
    running_stack: RunningStack, browser: Browser
) -> None:
    phone = phone_context(browser, {"width": 360, "height": 780}).new_page()
    sign_in(phone, running_stack, "dispatcher@demo.waybill.test", "/shipments/")
    columns = phone.locator("#shipment-table table").evaluate(COLUMNS_JS)

    for column in columns:
        assert column["header_shown"] == column["cell_shown"], column
        if column["header_shown"]:
            assert column["aligned"], column
            assert column["lines"] == 1, column
    assert {c["header"] for c in columns if not c["header_shown"]} == {"Route"}
    shot(phone, "shipments-phone")
    phone.context.close()


def test_slash_jumps_to_the_search_and_the_search_finds_shipments(
    running_stack: RunningStack, page: Page
) -> None:
    sign_in(page, running_stack, "viewer@demo.waybill.test", "/reports/")
    page.locator("main").click()
    page.keyboard.press("/")
    search = page.locator("#global-search")
    expect(search).to_be_focused()
    page.keyboard.type("Toy Town")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/shipments/\?q=Toy\+Town"))
    expect(page.locator("#shipment-table tbody tr")).to_have_count(1)
    expect(row_of(page, "DEMO-1005")).to_be_visible()

    # Typing "/" inside a field types it; it does not jump.
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Search", exact=True).press("/")
    expect(page.get_by_label("Search", exact=True)).to_have_value("/")


def test_bulk_booking_reports_each_row_and_a_selection_survives_live_updates(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    sign_in(page, running_stack, "dispatcher@demo.waybill.test", "/shipments/?sort=reference")
    expect_live(page)
    row_of(page, "DEMO-1001").get_by_role("checkbox").check()  # draft
    row_of(page, "DEMO-1004").get_by_role("checkbox").check()  # delivered
    expect(page.locator("#bulk-count")).to_have_text("2 selected")

    # Someone else moves a shipment meanwhile: its badge changes live, the ticks stay.
    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    target = row_of(page, "DEMO-1005")
    sign_in(other, running_stack, "admin@demo.waybill.test", "/shipments/?q=DEMO-1005")
    other.get_by_role("link", name="DEMO-1005").click()
    other.get_by_role("button", name="Picked up").click()
    expect(other.locator(".flash")).to_contain_text("DEMO-1005 is now picked up")
    other.context.close()
    expect(target.locator(".badge")).to_have_text("Picked Up", timeout=5_000)
    page.wait_for_timeout(1_500)  # longer than the live refresh's debounce
    expect(row_of(page, "DEMO-1001").get_by_role("checkbox")).to_be_checked()
    expect(row_of(page, "DEMO-1004").get_by_role("checkbox")).to_be_checked()

    page.get_by_label("Action").select_option("book")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("heading", name="Book: 1 done, 1 not done")).to_be_visible()
    outcomes = page.locator("#bulk-outcomes tbody tr")
    expect(outcomes.filter(has_text="DEMO-1001")).to_contain_text("Now booked.")
    expect(outcomes.filter(has_text="DEMO-1004")).to_contain_text(
        "A shipment cannot go from delivered to booked."
    )
    shot(page, "shipments-bulk-result")
    page.get_by_role("link", name="Back to the shipments").click()
    expect(row_of(page, "DEMO-1001").locator(".badge")).to_have_text("Booked")


def test_an_exception_elsewhere_raises_a_toast_and_a_badge(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    sign_in(page, running_stack, "viewer@demo.waybill.test", "/")
    expect_live(page)
    badge = page.locator("#alert-badge")
    expect(badge).to_be_hidden()

    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(other, running_stack, "dispatcher@demo.waybill.test", "/shipments/?q=DEMO-1003")
    other.get_by_role("link", name="DEMO-1003").click()
    other.get_by_label("What went wrong").fill("<img src=x onerror=alert(1)> axle broke")
    other.get_by_role("button", name="Report an exception").click()
    expect(other.locator(".flash")).to_contain_text("DEMO-1003 is now exception")
    other.context.close()

    toast = page.locator("#toasts .toast")
    expect(toast).to_have_count(1, timeout=5_000)
    expect(toast).to_contain_text("DEMO-1003 went to exception: <img src=x onerror=alert(1)> axle broke")
    expect(toast.locator("img")).to_have_count(0)
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    shot(page, "alert-toast", full_page=False)
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)


def test_label_manifest_and_public_tracking_map(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT s.id, s.tracking_code, s.vehicle_id, s.organization_id FROM shipments_shipment s"
            " WHERE s.reference = 'DEMO-1003'"
        ).fetchone()
        assert row is not None
        shipment_id, code, vehicle_id, organization_id = row
        connection.execute(
            "INSERT INTO fleet_position (vehicle_id, organization_id, recorded_at, latitude, longitude)"
            " VALUES (%s, %s, %s, %s, %s)",
            (vehicle_id, organization_id, datetime.now(UTC), 51.4416, 5.4697),
        )

    sign_in(page, running_stack, "dispatcher@demo.waybill.test", f"/shipments/{shipment_id}/label/")
    label = page.locator("#shipping-label")
    expect(label).to_contain_text("DEMO-1003")
    expect(label.locator("svg.qr")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    shot(page, "shipment-label")
    page.emulate_media(media="screen")

    page.goto(f"{running_stack.django_url}/fleet/")
    page.get_by_role("link", name=re.compile(r"Manifest of WB-01-TRK")).click()
    expect(page.get_by_role("heading", name=re.compile(r"Manifest · WB-01-TRK"))).to_be_visible()
    expect(page.locator("#manifest")).to_contain_text("DEMO-1003")
    shot(page, "vehicle-manifest")

    public = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{running_stack.django_url}/t/{code}")
    expect(public.locator("#tracking-brand")).to_have_text("Demo Logistics")
    expect(public.locator("#tracking-map")).to_have_attribute("data-drawn", "51.44,5.47")
    expect(public.locator("#tracking-map .leaflet-interactive").first).to_be_visible()
    shot(public, "public-tracking")
    public.context.close()
