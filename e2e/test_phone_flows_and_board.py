"""The driver's phone flow, the phone navigation, live detail edits, the import page and the
dispatch board, in real Chromium against the running stack."""

import re
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from waybill_contracts.personas import DEMO_PASSWORD
from waybill_devstack.browser import expect_live, phone_context, shot, sign_in
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


def phone_page(browser: Browser) -> Page:
    """A 360 px phone: the narrowest screen the dashboard is laid out for."""
    return phone_context(browser, {"width": 360, "height": 740}).new_page()


def one_row(stack: RunningStack, query: str, *params: object) -> tuple[object, ...]:
    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(query, params).fetchone()
    assert row is not None
    return tuple(row)


def draw_on(page: Page, pad_selector: str) -> None:
    pad = page.locator(pad_selector)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 30 + (step % 3) * 25)
    page.mouse.up()


def ink_on(page: Page, pad_selector: str) -> int:
    """How many pixels of the signature pad are drawn on."""
    return int(
        page.evaluate(
            """(selector) => {
              const canvas = document.querySelector(selector);
              const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
              let inked = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked += 1;
              return inked;
            }""",
            pad_selector,
        )
    )


def test_a_refused_photo_keeps_the_driver_in_the_phone_flow_and_a_typed_name_signs(
    running_stack: RunningStack, browser: Browser, tmp_path: Path
) -> None:
    (shipment_id,) = one_row(running_stack, "SELECT id FROM shipments_shipment WHERE reference = 'DEMO-1003'")
    phone = phone_page(browser)
    sign_in(phone, running_stack, "driver@demo.waybill.test", "/driver/")
    card = phone.get_by_role("article").filter(has_text="DEMO-1003")
    navigate = card.get_by_role("link", name="Navigate to the delivery")
    expect(navigate).to_have_attribute("href", re.compile(r"^geo:-?\d+\.\d+,-?\d+\.\d+\?q="))

    card.get_by_text("Delivered…").click()
    card.get_by_label("Received by").fill("Greta Grocer")
    card.get_by_label("Note").fill("At the back door")
    pad = f"#drive-{shipment_id} ~ .drive__actions canvas.signature__pad"
    draw_on(phone, pad)
    drawn = ink_on(phone, pad)
    assert drawn > 100
    not_a_picture = tmp_path / "door.png"
    not_a_picture.write_text("this is text, not a picture")
    card.get_by_label("Photo (optional)").set_input_files(not_a_picture)
    card.get_by_role("button", name="Confirm delivery").click()

    # Still on My day (not the desktop page), the form open, the error beside the photo field.
    expect(phone.get_by_role("heading", name="My day")).to_be_visible()
    card = phone.get_by_role("article").filter(has_text="DEMO-1003")
    photo = card.get_by_label("Photo (optional)")
    expect(photo).to_have_attribute("aria-invalid", "true")
    expect(phone.locator(f"#photo-{shipment_id}-error")).to_have_text("Upload a PNG, JPEG or WebP image.")
    expect(card.get_by_label("Received by")).to_have_value("Greta Grocer")
    expect(card.get_by_label("Note")).to_have_value("At the back door")
    expect(card.locator("[data-signature]")).to_have_attribute("data-dirty", "true")
    # Redrawn from its strokes: the same lines, give or take anti-aliasing at their edges.
    assert abs(ink_on(phone, pad) - drawn) < drawn * 0.05, "the drawn signature comes back"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "driver-rejected-photo")

    # Keyboard only: clear the drawing, type the name as the signature, send with Enter.
    card.get_by_role("button", name="Clear signature").focus()
    phone.keyboard.press("Enter")
    assert ink_on(phone, pad) == 0
    typed = card.get_by_label("Or type your name to sign (optional)")
    typed.focus()
    phone.keyboard.type("Greta Grocer")
    phone.keyboard.press("Enter")
    expect(phone.locator(".flash")).to_contain_text("DEMO-1003 is now delivered")
    expect(phone.get_by_role("heading", name="My day")).to_be_visible()

    recipient, signed_name, signature = one_row(
        running_stack,
        "SELECT recipient_name, signed_name, signature FROM shipments_proofofdelivery WHERE shipment_id = %s",
        shipment_id,
    )
    assert (recipient, signed_name, signature) == ("Greta Grocer", "Greta Grocer", "")
    phone.context.close()


def test_on_a_phone_the_navigation_opens_from_a_menu_button(
    running_stack: RunningStack, browser: Browser
) -> None:
    phone = phone_page(browser)
    sign_in(phone, running_stack, "dispatcher@demo.waybill.test", "/shipments/")
    menu = phone.get_by_role("button", name="Menu")
    nav = phone.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert phone.evaluate("document.querySelector('.topbar').scrollWidth <= window.innerWidth"), (
        "the top bar is cut off"
    )

    menu.focus()
    phone.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    for link in ("Overview", "Shipments", "Live map", "Dispatch", "Fleet", "Reports", "Import"):
        box = nav.get_by_role("link", name=link, exact=True).bounding_box()
        assert box is not None
        assert box["x"] >= 0, f"{link} is cut off"
        assert box["x"] + box["width"] <= 360, f"{link} is cut off"
    shot(phone, "phone-menu", full_page=False)
    phone.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert phone.evaluate("document.activeElement.classList.contains('menu-button')")

    # The account pages (allauth) carry the same navigation and menu.
    phone.goto(f"{running_stack.django_url}/accounts/email/")
    expect(phone.locator("nav.mainnav")).to_have_count(1)
    expect(phone.locator('nav[aria-label="Account"]')).to_have_count(0)  # allauth's second bar is gone
    phone.get_by_role("button", name="Menu").click()
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Shipments")).to_be_visible()
    phone.context.close()


def test_details_edited_in_the_admin_appear_on_an_open_detail_page(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    (shipment_id,) = one_row(running_stack, "SELECT id FROM shipments_shipment WHERE reference = 'DEMO-1002'")
    sign_in(page, running_stack, "viewer@demo.waybill.test", f"/shipments/{shipment_id}/")
    expect_live(page)
    route = page.get_by_role("region", name="Route", exact=True)
    expect(route).to_contain_text("Hardware Hub")

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(f"{running_stack.django_url}/admin/")
    staff.get_by_label("Email").fill("admin@demo.waybill.test")
    staff.get_by_label("Password").fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"{running_stack.django_url}/admin/shipments/shipment/{shipment_id}/change/")
    staff.get_by_label("Customer name").fill("Hardware Hub & Sons")
    staff.get_by_label("Destination address").fill("Damrak 1, Amsterdam")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text("DEMO-1002")
    staff.context.close()

    # No reload: the Route card follows shipment.updated.
    expect(route).to_contain_text("Hardware Hub & Sons", timeout=5_000)
    expect(route).to_contain_text("Damrak 1, Amsterdam")


def test_import_progress_only_fills_and_rejected_rows_are_listed(
    running_stack: RunningStack, page: Page, tmp_path: Path
) -> None:
    rows = "\n".join(f"BULK-{n:05},Dock {n},Street {n}" for n in range(5000))
    source = tmp_path / "bulk.csv"
    source.write_text(f"reference,origin_address,destination_address\n{rows}\n")
    sign_in(page, running_stack, "dispatcher@demo.waybill.test", "/import/")
    expect_live(page)
    page.get_by_label("CSV file", exact=True).set_input_files(source)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Import of bulk.csv")).to_be_visible()
    # Every value the bar shows, sampled from the page itself (re-rendered or updated in place).
    page.evaluate(
        """() => {
          window.seen = [];
          const sample = () => {
            const bar = document.querySelector("#import-progress");
            if (bar && window.seen[window.seen.length - 1] !== bar.value) window.seen.push(bar.value);
          };
          new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
          setInterval(sample, 5);
        }"""
    )
    expect(page.locator("#import-state")).to_have_text("Succeeded", timeout=60_000)
    seen: list[float] = page.evaluate("window.seen")
    assert seen[-1] == 100
    assert seen == sorted(seen), f"the bar stepped backwards: {seen}"

    page.goto(f"{running_stack.django_url}/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a sample CSV").click()
    sample = Path(download.value.path())
    assert sample.read_text().startswith("reference,customer_name,customer_email,")
    page.get_by_label("CSV file", exact=True).set_input_files(sample)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#import-state")).to_have_text("Succeeded", timeout=30_000)
    expect(page.get_by_text("2 shipments imported as drafts")).to_be_visible()

    broken = tmp_path / "broken.csv"
    broken.write_text(
        "reference,origin_address,destination_address\nGOOD-1,Dock,Street\nBAD-1,,Street\n"
        + "".join(f"GOOD-{n},Dock,Street\n" for n in range(2, 5000))
    )
    page.goto(f"{running_stack.django_url}/import/")
    page.get_by_label("CSV file", exact=True).set_input_files(broken)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#import-state")).to_have_text("Failed", timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("1 of 5,000 rows was rejected")
    rejected = page.get_by_role("table", name="Rejected row")
    expect(rejected.get_by_role("row")).to_have_count(2)
    expect(rejected.get_by_role("row").nth(1)).to_contain_text(
        "3BAD-1origin_address: This field is required."
    )
    shot(page, "import-rejected")


def test_the_dispatch_board_shows_each_vehicles_load_and_unassigns(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    sign_in(page, running_stack, "dispatcher@demo.waybill.test", "/dispatch/")
    expect_live(page)
    (plate,) = one_row(
        running_stack,
        "SELECT v.plate FROM fleet_vehicle v JOIN shipments_shipment s ON s.vehicle_id = v.id"
        " WHERE s.reference = 'DEMO-1005'",
    )
    card = page.get_by_role("article", name=str(plate))
    expect(card.get_by_role("link", name="DEMO-1005")).to_be_visible()
    expect(card.locator("[data-load]")).to_contain_text(re.compile(r"\d+ shipments? · \d+ parcels? · "))
    shot(page, "dispatch")
    card.get_by_role("button", name=f"Unassign DEMO-1005 from {plate}").click()
    expect(page.locator(".flash")).to_contain_text(f"DEMO-1005 is off {plate} and waits for a vehicle again.")
    waiting = page.get_by_role("region", name=re.compile("Waiting for a vehicle"))
    expect(waiting.get_by_role("link", name="DEMO-1005")).to_be_visible()
    expect(page.get_by_role("article", name=str(plate)).get_by_role("link", name="DEMO-1005")).to_have_count(
        0
    )
    (status, vehicle) = one_row(
        running_stack, "SELECT status, vehicle_id FROM shipments_shipment WHERE reference = 'DEMO-1005'"
    )
    assert (status, vehicle) == ("booked", None)

    owner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(owner, running_stack, "admin@demo.waybill.test", "/settings/audit/")
    log = owner.get_by_role("table", name="Audit log, newest first")
    expect(log.get_by_role("row").nth(1)).to_contain_text("shipment.booked")
    expect(log.get_by_role("row").nth(1)).to_contain_text("Unassigned from")
    shot(owner, "settings-audit")
    owner.context.close()
