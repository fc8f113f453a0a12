"""A brand-new team, from sign-up to a planned shipment delivered with proof, in real Chromium.

The owner signs up (the confirmation link read from the mail the stack prints), creates the
organization, invites a driver (who signs up on a phone), adds a van for them, creates a
shipment by city names only (located by the gazetteer), plans the day, accepts the plan; the
driver picks it up and delivers it on the phone with a recipient; the owner sees the proof.
"""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from waybill_devstack.browser import phone_context, shot
from waybill_devstack.polling import wait_until
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration

PASSWORD = "a long walk to the depot"
# About three hours apart around the world: one of them is always within two hours of noon.
ZONES = (
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Amsterdam",
    "Atlantic/Azores",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)


def a_zone_where_it_is_about_noon() -> str:
    """The driver's phone lists today's stops, and planning today starts from now: the walk needs a day with hours left."""
    now = datetime.now(UTC)

    def from_noon(zone: str) -> float:
        local = now.astimezone(ZoneInfo(zone))
        return abs(local.hour + local.minute / 60 - 12)

    return min(ZONES, key=from_noon)


def tracking_code(stack: RunningStack, reference: str) -> str:
    """The code printed under the label's QR code."""
    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(
            "SELECT tracking_code FROM shipments_shipment WHERE reference = %s", (reference,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def link_in_mail(printed: Callable[[], str], path: str, *, after: int) -> str:
    """The path of the newest link to ``path`` in the console mail printed after offset ``after``.

    The path only: a mail's links name SITE_URL, the stack listens on a port of its own.
    """

    def newest() -> str | None:
        found = re.findall(r"https?://[^\s/]+(" + path + r")", printed()[after:])
        return found[-1] if found else None

    link = wait_until(newest, what="the email", timeout=30)
    assert link is not None
    return link


def sign_up(page: Page, stack: RunningStack, printed: Callable[[], str], *, name: str, email: str) -> None:
    offset = len(printed())
    if "/accounts/signup/" not in page.url:
        page.goto(f"{stack.django_url}/accounts/signup/")
    page.fill("input[name=full_name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    link = link_in_mail(printed, r"/accounts/confirm-email/[^\s/]+/", after=offset)
    page.goto(stack.django_url + link)
    page.get_by_role("button", name=re.compile("confirm", re.IGNORECASE)).click()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = phone_context(browser)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_new_team_plans_its_day_and_delivers_with_proof(
    running_stack: RunningStack, stack_output: Callable[[], str], page: Page, phone: Page
) -> None:
    stack = running_stack
    page.set_default_timeout(15_000)

    # The owner signs up, confirms the email, creates the organization.
    sign_up(page, stack, stack_output, name="Olga Owner", email="olga@newteam.test")
    page.wait_for_url(re.compile(r"/welcome/"))
    page.get_by_label("Organization name").fill("New Team Logistics")
    page.get_by_role("button", name="Create organization").click()
    page.wait_for_url(re.compile(re.escape(stack.django_url) + r"/(\?.*)?$"))
    page.goto(f"{stack.django_url}/settings/")
    page.get_by_role("combobox", name=re.compile(r"^Time zone")).select_option(
        a_zone_where_it_is_about_noon()
    )
    page.get_by_role("button", name="Save organization").click()
    expect(page.locator(".flash")).to_be_visible()

    # A driver is invited and signs up on the phone from the invitation.
    offset = len(stack_output())
    page.goto(f"{stack.django_url}/settings/members/")
    page.get_by_label("Email", exact=True).fill("dan@newteam.test")
    page.get_by_label("Role", exact=True).select_option("driver")
    page.get_by_role("button", name="Send invitation").click()
    invitation = link_in_mail(stack_output, r"/invitations/[^\s/]+/", after=offset)
    phone.goto(stack.django_url + invitation)
    phone.get_by_role("link", name="Create an account").click()
    sign_up(phone, stack, stack_output, name="Dan Driver", email="dan@newteam.test")
    phone.get_by_role("button", name="Accept and join").click()

    # The owner adds a van driven by Dan.
    page.goto(f"{stack.django_url}/fleet/new/")
    page.get_by_label("Number plate").fill("NT-01")
    page.get_by_label("Capacity (kg)").fill("800")
    page.get_by_label("Capacity (parcels)").fill("40")
    page.get_by_label("Driver").select_option(label="Dan Driver (dan@newteam.test)")
    page.get_by_role("button", name="Add vehicle").click()
    expect(page.locator(".flash")).to_contain_text("NT-01 is in the fleet.")

    # A shipment from Rotterdam to Delft, by city names only, booked.
    page.goto(f"{stack.django_url}/shipments/new/")
    page.fill("input[name=reference]", "NT-1")
    page.fill("input[name=customer_name]", "Delft Bakery")
    page.fill("input[name=origin_address]", "Waalhaven 10, Rotterdam")
    page.fill("input[name=destination_address]", "Markt 1, Delft")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/shipments/\d+/$"))
    shipment_url = page.url
    # Located by the gazetteer: the edit form's map pins both ends where the cities are.
    page.goto(shipment_url + "edit/")
    expect(page.locator("#id_destination_latitude")).to_have_value(re.compile(r"^52\.0"))
    expect(page.locator("#pin-map .end-marker")).to_have_count(2)
    # The same offline basemap as the live map (basemap.js), on every map.
    expect(page.locator("#pin-map")).to_have_attribute("data-basemap", "drawn")
    shot(page, "shipment-form-pins")
    page.goto(shipment_url)
    page.get_by_role("button", name="Book").click()
    expect(page.locator("#shipment-status .badge")).to_have_text("Booked")

    # Plan the day: the depot by its city, the plan computed live, its route on the map.
    page.goto(f"{stack.django_url}/planning/")
    page.get_by_label("Address").fill("Rotterdam")
    # The whole day: planning today starts from now (about noon in the organization's zone).
    page.get_by_label("Working day starts").fill("00:00")
    page.get_by_label("Working day ends").fill("23:59")
    page.get_by_role("button", name="Save the depot").click()
    expect(page.locator(".flash")).to_contain_text("The depot and working hours are saved.")
    page.get_by_role("button", name="Plan the day").click()
    page.wait_for_url(re.compile(r"/planning/\d+/$"))
    expect(page.locator("#plan-summary")).to_contain_text("1 route", timeout=30_000)
    expect(page.locator("#plan-map")).to_have_attribute("data-stops", "2")
    expect(page.locator(".plan-stops li").first).to_contain_text("Pick up NT-1")
    expect(page.locator(".stop-marker")).to_have_count(2)
    expect(page.locator("#plan-map")).to_have_attribute("data-basemap", "drawn")
    shot(page, "planning-proposed")
    page.get_by_role("button", name="Accept the plan").click()
    expect(page.locator("#plan-summary")).to_contain_text("Accepted")

    # The driver's phone lists the stops in order, then the delivery with its proof.
    phone.goto(f"{stack.django_url}/driver/")
    stops = phone.locator("#driver-stops li")
    expect(stops).to_have_count(2)
    expect(stops.nth(0)).to_contain_text("Pick up NT-1")
    expect(stops.nth(1)).to_contain_text("Deliver NT-1")
    shot(phone, "driver-stops-phone")
    # The pick-up is confirmed by the parcel's label: typed here (Chromium on Linux has no
    # BarcodeDetector), the code printed under the label's QR code.
    phone.locator("summary", has_text="Picked up").click()
    phone.get_by_label("Code on the label").fill(tracking_code(stack, "NT-1"))
    phone.get_by_role("button", name="Confirm pick-up").click()
    expect(phone.locator("#driver-stops li.stop-list__done")).to_have_count(1)
    phone.get_by_role("button", name="In transit").click()
    phone.locator("summary", has_text="Delivered").click()
    phone.get_by_label("Received by").fill("Bea Baker")
    phone.get_by_label("Note").fill("Left at the back door")
    phone.get_by_role("button", name="Confirm delivery").click()
    expect(phone.locator("#driver-stops li.stop-list__done")).to_have_count(2)

    page.goto(shipment_url)
    expect(page.locator("#shipment-status .badge")).to_have_text("Delivered")
    expect(page.locator("body")).to_contain_text("Bea Baker")
    expect(page.locator("body")).to_contain_text("Left at the back door")
