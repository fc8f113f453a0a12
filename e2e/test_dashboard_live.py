"""The dashboard in real Chromium against the running stack: live updates, the map, screenshots."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from playwright.sync_api import Browser, Page, expect

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role
from waybill_contracts.events import VehiclePosition, VehiclePositionsUpdated
from waybill_contracts.personas import demo_email
from waybill_devstack.browser import expect_live, phone_context, shot, sign_in
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration


def shipment_id(stack: RunningStack, reference: str) -> int:
    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(
            "SELECT id FROM shipments_shipment WHERE reference = %s", (reference,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_status_changed_by_a_dispatcher_shows_on_a_viewers_open_pages(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    # DEMO-1005 is assigned to the demo truck: the next move is "picked up".
    target = shipment_id(running_stack, "DEMO-1005")
    sign_in(page, running_stack, demo_email(Role.VIEWER), f"/shipments/{target}/")
    expect_live(page)
    badge = page.locator("#shipment-status .badge")
    expect(badge).to_have_text("Assigned")
    expect(page.get_by_role("button", name="Picked up")).to_have_count(0)  # a viewer is offered nothing

    list_page = page.context.new_page()
    list_page.goto(f"{running_stack.django_url}/shipments/?sort=reference")
    expect_live(list_page)
    row_badge = list_page.locator(f'[data-shipment-id="{target}"] .badge')
    expect(row_badge).to_have_text("Assigned")

    dispatcher = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(dispatcher, running_stack, demo_email(Role.DISPATCHER), f"/shipments/{target}/")
    dispatcher.get_by_role("button", name="Picked up").click()
    expect(dispatcher.locator(".flash")).to_contain_text("DEMO-1005 is now picked up")

    expect(badge).to_have_text("Picked Up", timeout=5_000)
    expect(page.locator("#timeline")).to_contain_text("Picked Up", timeout=5_000)
    expect(row_badge).to_have_text("Picked Up", timeout=5_000)
    shot(page, "shipment-detail")
    shot(list_page, "shipments")
    shot(dispatcher, "shipment-detail-dispatcher")
    dispatcher.context.close()


def test_a_connection_drop_resumes_without_missing_events(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    target = shipment_id(running_stack, "DEMO-1002")  # booked
    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/shipments/?status=booked")
    expect_live(page)
    row_badge = page.locator(f'[data-shipment-id="{target}"] .badge')
    expect(row_badge).to_have_text("Booked")

    page.context.set_offline(True)
    page.evaluate("window.waybillLive.socket && window.waybillLive.socket.close()")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "offline")

    other = browser.new_context().new_page()
    sign_in(other, running_stack, demo_email(Role.OWNER), f"/shipments/{target}/")
    other.get_by_label("Vehicle").first.select_option(label="WB-02-VAN Van 2")
    other.get_by_role("button", name="Assign to a vehicle").click()
    expect(other.locator(".flash")).to_contain_text("is now assigned")
    other.context.close()

    page.context.set_offline(False)
    expect_live(page)
    # The event happened while offline; the resumed subscription replays it: announced, and the list
    # of booked shipments, re-read for it, no longer holds this one. (The row's badge shows "Assigned"
    # only until that re-read, too briefly to wait for.)
    expect(page.locator("#live-announcer")).to_have_text("DEMO-1002 is now assigned.", timeout=10_000)
    expect(page.locator(f'[data-shipment-id="{target}"]')).to_have_count(0)


def test_a_moving_vehicle_moves_on_the_map(running_stack: RunningStack, page: Page) -> None:
    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT id, organization_id FROM fleet_vehicle WHERE plate = 'WB-01-TRK'"
        ).fetchone()
        assert row is not None
        vehicle_id, organization_id = row
        now = datetime.now(UTC)
        for minutes, latitude in ((30, 51.80), (20, 51.85), (10, 51.90)):
            connection.execute(
                "INSERT INTO fleet_position (vehicle_id, organization_id, recorded_at, latitude, longitude)"
                " VALUES (%s, %s, %s, %s, %s)",
                (vehicle_id, organization_id, now - timedelta(minutes=minutes), latitude, 4.46),
            )

    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/map/")
    expect(page.locator("#map")).to_have_attribute("data-loaded", "true")
    expect(page.locator(f'.vehicle-marker[data-vehicle-id="{vehicle_id}"]')).to_be_visible()
    start = page.evaluate(f"window.waybillMap.position({vehicle_id})")
    assert start == {"lat": 51.90, "lng": 4.46}

    with page.expect_response(lambda response: response.url.endswith(f"/{vehicle_id}/track.json")) as track:
        page.get_by_role("button", name="WB-01-TRK", exact=True).click()  # the marker on the map
    assert track.value.status == 200
    expect(page.locator("#map")).to_have_attribute("data-track-points", "3")
    expect(page.locator("#map-hint")).to_contain_text("last 3 positions")

    # The telemetry ingest stores the next position and publishes it to the organization's stream.
    moved_at = datetime.now(UTC)
    with psycopg.connect(running_stack.database_url) as connection:
        connection.execute(
            "INSERT INTO fleet_position (vehicle_id, organization_id, recorded_at, latitude, longitude)"
            " VALUES (%s, %s, %s, %s, %s)",
            (vehicle_id, organization_id, moved_at, 52.00, 4.60),
        )
    update = VehiclePositionsUpdated(
        event_id=uuid.uuid4(),
        organization_id=organization_id,
        occurred_at=moved_at,
        positions=[
            VehiclePosition(vehicle_id=vehicle_id, recorded_at=moved_at, latitude=52.00, longitude=4.60)
        ],
    )
    redis.Redis.from_url(running_stack.redis_url).xadd(
        org_stream_key(organization_id), {STREAM_ENTRY_FIELD: update.model_dump_json()}
    )
    # Within a few seconds: the live event, not the map's slow re-read (every 15 s).
    page.wait_for_function(f"window.waybillMap.position({vehicle_id}).lat === 52.0", timeout=5_000)
    expect(page.locator("#map")).to_have_attribute("data-track-points", "4")
    shot(page, "map", full_page=False)


def test_main_pages_render_for_their_users(running_stack: RunningStack, page: Page, browser: Browser) -> None:
    page.goto(f"{running_stack.django_url}/shipments/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/shipments/"))
    shot(page, "sign-in")
    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/")
    expect_live(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    shot(page, "overview")
    page.goto(f"{running_stack.django_url}/dispatch/")
    expect(page.get_by_role("heading", name="Dispatch board")).to_be_visible()
    expect_live(page)
    shot(page, "dispatch")
    # Drag a waiting shipment onto a vehicle: the same assignment the buttons make.
    page.locator("article.ticket").filter(has_text="DEMO-1002").drag_to(
        page.locator('.dropzone[aria-label="WB-02-VAN"]')
    )
    expect(page.locator(".flash")).to_contain_text("DEMO-1002 is assigned to WB-02-VAN")
    expect(page.locator("article.ticket").filter(has_text="DEMO-1002")).to_have_count(0)
    page.goto(f"{running_stack.django_url}/fleet/")
    expect(page.get_by_role("heading", name="Fleet")).to_be_visible()
    expect_live(page)
    shot(page, "fleet")
    page.goto(f"{running_stack.django_url}/reports/")
    expect(page.get_by_role("heading", name="Volume by day")).to_be_visible()
    expect_live(page)
    shot(page, "reports")
    page.goto(f"{running_stack.django_url}/shipments/new/")
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".form-errors")).to_be_visible()
    expect_live(page)
    shot(page, "shipment-form-errors")

    owner = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(owner, running_stack, demo_email(Role.OWNER), "/settings/members/")
    expect(owner.get_by_role("heading", name="Members")).to_be_visible()
    owner.get_by_label("Email").fill("new.dispatcher@demo.waybill.test")
    owner.get_by_label("Role", exact=True).select_option("dispatcher")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.locator(".flash")).to_contain_text("is invited as dispatcher")
    expect_live(owner)
    shot(owner, "settings-members")
    owner.context.close()

    phone = phone_context(browser).new_page()
    sign_in(phone, running_stack, demo_email(Role.DRIVER), "/driver/")
    expect(phone.get_by_role("heading", name="My day")).to_be_visible()
    expect(phone.locator("summary", has_text="Picked up").first).to_be_visible()
    expect_live(phone)
    shot(phone, "driver-phone")

    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT tracking_code FROM shipments_shipment WHERE reference = 'DEMO-1003'"
        ).fetchone()
    assert row is not None
    public = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{running_stack.django_url}/t/{row[0]}")
    expect(public.get_by_role("heading", name="Shipment DEMO-1003")).to_be_visible()
    shot(public, "public-tracking")
    phone.context.close()
    public.context.close()


def test_an_import_fills_its_progress_bar_live(
    running_stack: RunningStack, page: Page, tmp_path: Path
) -> None:
    rows = "\n".join(f"IMPORT-{n:03},Dock {n},Street {n}" for n in range(120))
    source = tmp_path / "shipments.csv"
    source.write_text(f"reference,origin_address,destination_address\n{rows}\n")
    sign_in(page, running_stack, demo_email(Role.DISPATCHER), "/import/")
    expect_live(page)
    page.get_by_label("CSV file", exact=True).set_input_files(source)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Import of shipments.csv")).to_be_visible()
    expect(page.locator("#import-state")).to_have_text("Succeeded", timeout=30_000)
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("120 shipments imported as drafts")).to_be_visible()
    shot(page, "import")

    broken = tmp_path / "broken.csv"
    broken.write_text("reference,origin_address,destination_address\nBAD-1,,Street\nBAD-2,Dock,Street\n")
    page.goto(f"{running_stack.django_url}/import/")
    page.get_by_label("CSV file", exact=True).set_input_files(broken)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#import-state")).to_have_text("Failed", timeout=30_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report").click()
    assert "BAD-1" in Path(download.value.path()).read_text()


def test_the_public_tracking_page_follows_its_shipment_live(
    running_stack: RunningStack, page: Page, browser: Browser
) -> None:
    target = shipment_id(running_stack, "DEMO-1006")  # picked up
    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT tracking_code FROM shipments_shipment WHERE id = %s", (target,)
        ).fetchone()
    assert row is not None
    page.goto(f"{running_stack.django_url}/t/{row[0]}")
    expect(page.locator("#tracking-live")).to_have_attribute("data-socket", "live", timeout=15_000)
    expect(page.locator(".tracking-status .badge")).to_have_text("Picked Up")

    dispatcher = browser.new_context().new_page()
    sign_in(dispatcher, running_stack, demo_email(Role.DISPATCHER), f"/shipments/{target}/")
    dispatcher.get_by_role("button", name="In transit").click()
    expect(dispatcher.locator(".flash")).to_contain_text("is now in transit")
    dispatcher.context.close()

    # The page re-reads itself every 30 s only while its socket is down: this is the live path.
    expect(page.locator(".tracking-status .badge")).to_have_text("In Transit", timeout=5_000)
    expect(page.locator(".timeline")).to_contain_text("In Transit")


def test_a_page_reloads_its_data_when_the_stream_no_longer_holds_what_it_missed(
    running_stack: RunningStack, page: Page
) -> None:
    target = shipment_id(running_stack, "DEMO-1001")  # draft
    sign_in(page, running_stack, demo_email(Role.VIEWER), "/shipments/?sort=reference")
    expect_live(page)
    row_badge = page.locator(f'[data-shipment-id="{target}"] .badge')
    expect(row_badge).to_have_text("Draft")

    page.context.set_offline(True)
    page.evaluate("window.waybillLive.socket && window.waybillLive.socket.close()")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "offline")
    # While the page is away the change happens and the stream forgets it (retention passed).
    with psycopg.connect(running_stack.database_url) as connection:
        connection.execute("UPDATE shipments_shipment SET status = 'booked' WHERE id = %s", (target,))
    store = redis.Redis.from_url(running_stack.redis_url)
    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT organization_id FROM shipments_shipment WHERE id = %s", (target,)
        ).fetchone()
    assert row is not None
    stream = org_stream_key(int(row[0]))
    store.xtrim(stream, maxlen=0)
    later = VehiclePositionsUpdated(
        event_id=uuid.uuid4(), organization_id=int(row[0]), occurred_at=datetime.now(UTC), positions=[]
    )
    store.xadd(stream, {STREAM_ENTRY_FIELD: later.model_dump_json()})

    page.context.set_offline(False)
    expect_live(page)
    # "resync_required": the list reloads itself over HTTP.
    expect(row_badge).to_have_text("Booked", timeout=10_000)


def test_a_driver_delivers_on_a_phone_with_a_signature(running_stack: RunningStack, browser: Browser) -> None:
    phone = phone_context(browser).new_page()
    sign_in(phone, running_stack, demo_email(Role.DRIVER), "/driver/")
    card = phone.get_by_role("article").filter(has_text="DEMO-1003")
    card.get_by_text("Delivered…").click()
    card.get_by_label("Received by").fill("Greta Grocer")
    pad = card.locator("canvas.signature__pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 30)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 25, box["y"] + 30 + (step % 3) * 25)
    phone.mouse.up()
    expect(card.locator("[data-signature]")).to_have_attribute("data-dirty", "true")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    shot(phone, "driver-deliver")
    card.get_by_role("button", name="Confirm delivery").click()
    expect(phone.locator(".flash")).to_contain_text("DEMO-1003 is now delivered")

    with psycopg.connect(running_stack.database_url) as connection:
        row = connection.execute(
            "SELECT p.recipient_name, p.signature FROM shipments_proofofdelivery p"
            " JOIN shipments_shipment s ON s.id = p.shipment_id WHERE s.reference = 'DEMO-1003'"
        ).fetchone()
    assert row is not None
    assert row[0] == "Greta Grocer"
    assert row[1].endswith(".png")
    phone.context.close()

    # The dispatcher sees the drawn signature on the shipment page, served by the dashboard itself.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(
        desk,
        running_stack,
        demo_email(Role.DISPATCHER),
        f"/shipments/{shipment_id(running_stack, 'DEMO-1003')}/",
    )
    proof = desk.locator("#proof-of-delivery")
    expect(proof).to_contain_text("Greta Grocer")
    signature = proof.get_by_role("img", name="Signature of Greta Grocer")
    expect(signature).to_be_visible()
    desk.wait_for_function("document.querySelector('.proof__signature').naturalWidth > 0")
    assert "/media/" not in str(signature.get_attribute("src"))
    proof.get_by_role("link", name="Printable proof of delivery").click()
    expect(desk.get_by_role("heading", name="Proof of delivery · DEMO-1003")).to_be_visible()
    shot(desk, "shipment-proof")
    desk.context.close()
