"""In real Chromium: the live map follows a vehicle as its telemetry arrives, and the driver
confirms a pick-up by the parcel's label (a wrong label is refused, nothing recorded)."""

import math
import re
from datetime import UTC, datetime

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email
from waybill_devstack.browser import WATCH_CSP_VIOLATIONS, phone_context, sign_in
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration

PLATE = "WB-01-TRK"


def report_position(stack: RunningStack, vehicle_id: int, latitude: float, longitude: float) -> None:
    """What a vehicle's device does: one position through the realtime service's telemetry ingest."""
    with httpx.Client(base_url=stack.realtime_url, timeout=10) as client:
        login = client.post(
            "/auth/jwt/login", data={"username": demo_email(Role.DISPATCHER), "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200, login.text
        sent = client.post(
            "/v1/telemetry",
            json={
                "positions": [
                    {
                        "vehicle_id": vehicle_id,
                        "recorded_at": datetime.now(UTC).isoformat(),
                        "latitude": latitude,
                        "longitude": longitude,
                    }
                ]
            },
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        assert sent.status_code == 200, sent.text


def map_centre(page: Page) -> tuple[float, float]:
    centre = page.evaluate(
        "(() => { const c = window.waybillMap.map.getCenter(); return [c.lat, c.lng]; })()"
    )
    return float(centre[0]), float(centre[1])


def near(point: tuple[float, float], target: tuple[float, float]) -> bool:
    return math.dist(point, target) < 0.01


def wait_for_centre(page: Page, latitude: float, longitude: float) -> None:
    page.wait_for_function(
        "([lat, lng]) => { const c = window.waybillMap.map.getCenter();"
        " return Math.abs(c.lat - lat) < 0.01 && Math.abs(c.lng - lng) < 0.01; }",
        arg=[latitude, longitude],
        timeout=8_000,
    )


def test_the_map_follows_a_vehicle_as_its_telemetry_arrives_until_told_to_stop(
    running_stack: RunningStack, page: Page
) -> None:
    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute("SELECT id FROM fleet_vehicle WHERE plate = %s", (PLATE,)).fetchone()
    assert row is not None
    vehicle_id = int(row[0])
    report_position(running_stack, vehicle_id, 51.9225, 4.4792)  # Rotterdam

    page.context.add_init_script(WATCH_CSP_VIOLATIONS)
    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/map/")
    map_element = page.locator("#map")
    expect(map_element).to_have_attribute("data-loaded", "true")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=15_000)
    expect(page.locator("#map-following")).to_be_hidden()

    page.get_by_role("button", name=f"Follow {PLATE}", exact=True).click()
    expect(map_element).to_have_attribute("data-following", str(vehicle_id))
    expect(page.locator("#map-following")).to_contain_text(f"Following {PLATE}")
    expect(page.get_by_role("button", name=f"Following {PLATE}")).to_have_attribute("aria-pressed", "true")
    wait_for_centre(page, 51.9225, 4.4792)

    # The vehicle drives to Utrecht: its position arrives over the WebSocket and the map goes along.
    report_position(running_stack, vehicle_id, 52.0907, 5.1214)
    wait_for_centre(page, 52.0907, 5.1214)
    report_position(running_stack, vehicle_id, 52.3676, 4.9041)  # then Amsterdam
    wait_for_centre(page, 52.3676, 4.9041)

    page.get_by_role("button", name="Stop following").click()
    expect(page.locator("#map-following")).to_be_hidden()
    expect(map_element).not_to_have_attribute("data-following", re.compile(".*"))
    report_position(running_stack, vehicle_id, 51.4416, 5.4697)  # Eindhoven
    page.wait_for_function(
        "(id) => Math.abs(window.waybillMap.position(id).lat - 51.4416) < 0.001",
        arg=vehicle_id,
        timeout=8_000,
    )
    assert near(map_centre(page), (52.3676, 4.9041)), "the map stays where it was"

    # Dragging the map away also stops following: the dispatcher wants to look elsewhere.
    page.get_by_role("button", name=f"Follow {PLATE}", exact=True).click()
    wait_for_centre(page, 51.4416, 5.4697)
    box = map_element.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 150, box["y"] + box["height"] / 2 + 80, steps=8)
    page.mouse.up()
    expect(page.locator("#map-following")).to_be_hidden()
    assert page.evaluate("window.__violations") == []


def _assigned_to_the_demo_driver(stack: RunningStack) -> tuple[str, str, str]:
    """An assigned shipment on the demo driver's vehicle and its code, and another shipment's code."""
    with psycopg.connect(stack.database_url) as connection:
        mine = connection.execute(
            "SELECT s.reference, s.tracking_code FROM shipments_shipment s"
            " JOIN fleet_vehicle v ON v.id = s.vehicle_id JOIN accounts_user u ON u.id = v.driver_id"
            " WHERE s.status = 'assigned' AND u.email = %s ORDER BY s.id LIMIT 1",
            (demo_email(Role.DRIVER),),
        ).fetchone()
        assert mine is not None, "the demo driver has an assigned shipment"
        other = connection.execute(
            "SELECT tracking_code FROM shipments_shipment WHERE reference <> %s ORDER BY id LIMIT 1",
            (mine[0],),
        ).fetchone()
    assert other is not None
    return str(mine[0]), str(mine[1]), str(other[0])


def _status(stack: RunningStack, reference: str) -> str:
    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(
            "SELECT status FROM shipments_shipment WHERE reference = %s", (reference,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_a_driver_confirms_the_pick_up_with_the_labels_code_and_a_wrong_label_is_refused(
    running_stack: RunningStack, browser: Browser
) -> None:
    reference, code, other_code = _assigned_to_the_demo_driver(running_stack)
    context = phone_context(browser)
    context.add_init_script(WATCH_CSP_VIOLATIONS)
    phone = context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(phone, running_stack, demo_email(Role.DRIVER), "/driver/")
    card = phone.locator("article.drive", has=phone.get_by_role("link", name=reference, exact=True))
    card.locator("summary", has_text="Picked up").click()
    # No BarcodeDetector in Chromium on Linux: the camera button stays hidden, the code field is there.
    expect(card.locator("[data-scanner]")).to_be_hidden()
    card.get_by_label("Code on the label").fill(other_code)
    card.get_by_role("button", name="Confirm pick-up").click()

    card = phone.locator("article.drive", has=phone.get_by_role("link", name=reference, exact=True))
    expect(card.locator(".field-error")).to_contain_text(f"This is not the label of {reference}")
    expect(card.locator(".field-error")).to_contain_text("The pick-up is not recorded.")
    expect(card.get_by_label("Code on the label")).to_have_value(other_code)
    expect(card.get_by_label("Code on the label")).to_have_attribute("aria-invalid", "true")
    assert _status(running_stack, reference) == "assigned"

    card.get_by_label("Code on the label").fill(f"  {code} ")
    card.get_by_role("button", name="Confirm pick-up").click()
    expect(phone.locator(".flash")).to_contain_text(f"{reference} is now picked up")
    assert _status(running_stack, reference) == "picked_up"
    assert errors == []
    assert phone.evaluate("window.__violations") == []
    context.close()
