"""A team builds its fleet in the dashboard, and the live map at volume, in real Chromium."""

import psycopg
import pytest
from playwright.sync_api import Page, expect

from waybill_contracts.enums import Role
from waybill_contracts.personas import demo_email
from waybill_devstack.browser import shot, sign_in
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


def test_an_admin_adds_a_vehicle_and_gives_it_a_driver(running_stack: RunningStack, page: Page) -> None:
    sign_in(page, running_stack, demo_email(Role.OWNER), "/fleet/")
    page.get_by_role("link", name="Add vehicle").click()
    page.get_by_label("Number plate").fill("wb-77-new")
    page.get_by_label("Name").fill("New van")
    page.get_by_label("Capacity (kg)").fill("900")
    driver = page.get_by_label("Driver")
    options = driver.locator("option").all_inner_texts()
    assert any(demo_email(Role.DRIVER) in option for option in options)
    assert not any(demo_email(Role.DISPATCHER) in option for option in options)
    driver.select_option(label=next(o for o in options if demo_email(Role.DRIVER) in o))
    shot(page, "vehicle-form")
    page.get_by_role("button", name="Add vehicle").click()
    expect(page.locator(".flash")).to_contain_text("WB-77-NEW is in the fleet.")
    row = page.locator("tr", has_text="WB-77-NEW")
    expect(row).to_contain_text("New van")
    expect(row).to_contain_text("900 kg")
    shot(page, "fleet")


def test_the_map_draws_country_outlines_and_shows_what_is_on_the_road(
    running_stack: RunningStack, page: Page
) -> None:
    with psycopg.connect(running_stack.database_url) as connection:
        counts: dict[str, int] = dict(
            connection.execute(
                "SELECT status, count(*) FROM shipments_shipment"
                " WHERE origin_latitude IS NOT NULL OR destination_latitude IS NOT NULL GROUP BY status"
            ).fetchall()
        )
    on_the_road = sum(counts.get(s, 0) for s in ("assigned", "picked_up", "in_transit", "exception"))
    booked = counts.get("booked", 0)
    assert booked, "the demo data has booked shipments"

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/map/")
    map_element = page.locator("#map")
    expect(map_element).to_have_attribute("data-loaded", "true")
    assert errors == []
    # No MAP_TILE_URL in the tests: Natural Earth outlines from the static files, no tile request.
    expect(map_element).to_have_attribute("data-basemap", "drawn")
    assert page.locator(".leaflet-overlay-pane path").count() > 100
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Natural Earth")
    expect(map_element).to_have_attribute("data-shipments", str(on_the_road))

    page.get_by_label("Booked").check()
    expect(map_element).to_have_attribute("data-shipments", str(on_the_road + booked))
    page.get_by_label("Booked").uncheck()
    expect(map_element).to_have_attribute("data-shipments", str(on_the_road))
