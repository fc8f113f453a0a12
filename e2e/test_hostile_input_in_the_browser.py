"""Script planted in every field a user controls runs nowhere, and no page breaks its Content-Security-Policy.

Payloads are written the way an attacker would: straight into the rows (no
form validation in the way) and through the CSV import. Each page is then
opened by the demo owner (platform staff too), map tooltips are hovered, and
the test asserts that no payload became an element, no handler ran, and the
browser reported no CSP violation.
"""

import re

import psycopg
import pytest
from playwright.sync_api import Page, expect

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, demo_email
from waybill_devstack.browser import WATCH_CSP_VIOLATIONS
from waybill_devstack.stack import RunningStack

pytestmark = pytest.mark.integration

PASSWORD = DEMO_PASSWORD
OWNER = demo_email(Role.OWNER)
PROBE = "xss-probe"


def payload(field: str) -> str:
    """Markup that becomes a ``.xss-probe`` element, and would set ``window.__xss``, if not escaped."""
    return f"{field}\"'><img src=x onerror=\"window.__xss='{field}'\"><b class={PROBE}>{field}</b>"


SHORT = f"<b class={PROBE}>"  # fits a 20-character plate


def plant(database_url: str) -> dict[str, str]:
    """Hostile text in every user-controlled field of the demo organization; returns ids for the URLs."""
    with psycopg.connect(database_url) as connection:
        organization_id = connection.execute(
            "SELECT id FROM organizations_organization WHERE slug = 'demo'"
        ).fetchone()
        assert organization_id is not None
        org = organization_id[0]
        connection.execute(
            "UPDATE organizations_organization SET name = %s WHERE id = %s", (payload("org"), org)
        )
        connection.execute(
            "UPDATE accounts_user SET full_name = %s WHERE email <> %s", (payload("member"), OWNER)
        )
        shipment = connection.execute(
            "SELECT id, tracking_code FROM shipments_shipment WHERE organization_id = %s"
            " AND origin_latitude IS NOT NULL AND status <> 'delivered' ORDER BY id LIMIT 1",
            (org,),
        ).fetchone()
        assert shipment is not None
        connection.execute(
            "UPDATE shipments_shipment SET reference = %s, customer_name = %s, customer_email = %s,"
            " origin_address = %s, destination_address = %s, exception_reason = %s WHERE organization_id = %s"
            " AND id = %s",
            (
                f"R<b class={PROBE}>1</b><img src=x onerror=__xss=1>",
                payload("customer"),
                "x@example.test",
                payload("origin"),
                payload("destination"),
                payload("reason"),
                org,
                shipment[0],
            ),
        )
        connection.execute(
            "UPDATE shipments_trackingevent SET note = %s WHERE shipment_id = %s",
            (payload("note"), shipment[0]),
        )
        vehicle = connection.execute(
            "SELECT id FROM fleet_vehicle WHERE organization_id = %s ORDER BY id LIMIT 1", (org,)
        ).fetchone()
        assert vehicle is not None
        connection.execute(
            "UPDATE fleet_vehicle SET plate = %s, label = %s WHERE id = %s",
            (SHORT, payload("label"), vehicle[0]),
        )
        connection.execute(
            "INSERT INTO webhooks_webhookendpoint (organization_id, url, description, secret, event_types,"
            " consecutive_failures, disabled_at, disabled_reason, created_at)"
            " VALUES (%s, %s, %s, 'whsec_x', '[]', 0, NULL, %s, now())",
            (
                org,
                'https://hooks.example/?q="><b class=xss-probe>u</b>',
                payload("webhook"),
                payload("disabled"),
            ),
        )
    return {"shipment": str(shipment[0]), "code": shipment[1], "vehicle": str(vehicle[0]), "org": str(org)}


def sign_in(page: Page, stack: RunningStack) -> None:
    page.goto(f"{stack.django_url}/accounts/login/")
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(re.escape(stack.django_url) + "/(welcome/)?$"))


def import_hostile_csv(page: Page, stack: RunningStack) -> str:
    """Upload a CSV whose name and rows are hostile; returns the import page's path."""
    rows = "reference,origin_address,destination_address\n" + "".join(
        f'"I{n}<b class={PROBE}>i</b>","{payload("import-origin")}",B\n' for n in range(2)
    )
    page.goto(f"{stack.django_url}/import/")
    page.locator("input[type=file]").set_input_files(
        {"name": f"<b class={PROBE}>f</b>.csv", "mimeType": "text/csv", "buffer": rows.encode()}
    )
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url(re.compile(r".*/import/[0-9a-f-]{36}/$"))
    expect(page.locator("main")).to_contain_text(
        re.compile("imported|finished|done", re.IGNORECASE), timeout=20_000
    )
    return page.url.removeprefix(stack.django_url)


def assert_harmless(page: Page, url: str) -> None:
    probes = page.locator(f".{PROBE}, img[src='x']").count()
    ran = page.evaluate("window.__xss === undefined ? null : String(window.__xss)")
    violations = page.evaluate("window.__violations")
    assert (probes, ran, violations) == (0, None, []), url


def test_script_in_every_user_controlled_field_runs_on_no_page(
    running_stack: RunningStack, page: Page
) -> None:
    ids = plant(running_stack.database_url)
    page.context.add_init_script(WATCH_CSP_VIOLATIONS)
    sign_in(page, running_stack)
    imported = import_hostile_csv(page, running_stack)
    assert_harmless(page, imported)

    shipment, vehicle, org = ids["shipment"], ids["vehicle"], ids["org"]
    pages = [
        "/",
        "/shipments/",
        "/shipments/?q=R",
        f"/shipments/{shipment}/",
        f"/shipments/{shipment}/edit/",
        "/dispatch/",
        "/fleet/",
        f"/fleet/{vehicle}/edit/",
        "/driver/",
        "/reports/",
        "/import/",
        imported,
        "/settings/members/",
        "/settings/notifications/",
        "/settings/tokens/",
        "/settings/webhooks/",
        "/organizations/",
        f"/t/{ids['code']}",
        "/admin/",
        "/admin/shipments/shipment/",
        f"/admin/shipments/shipment/{shipment}/change/",
        "/admin/fleet/vehicle/",
        f"/admin/fleet/vehicle/{vehicle}/change/",
        "/admin/organizations/organization/",
        f"/admin/organizations/organization/{org}/change/",
        "/admin/organizations/membership/",
        "/admin/accounts/user/",
        "/admin/webhooks/webhookendpoint/",
        "/admin/audit/auditlog/",
    ]
    for path in pages:
        response = page.goto(running_stack.django_url + path)
        assert response is not None, path
        assert response.ok, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        assert_harmless(page, path)

    for path in ("/map/", f"/shipments/{shipment}/"):
        page.goto(running_stack.django_url + path)
        expect(page.locator("#map")).to_have_attribute("data-loaded", "true")
        for status_filter in page.locator("#map-filters input[name=status]").all():
            status_filter.check()  # every shipment on the map, the planted one included
        page.wait_for_load_state("networkidle")
        markers = page.locator("#map .end-marker, #map path.leaflet-interactive")
        expect(markers.first).to_be_visible()
        for marker in markers.all():
            if marker.is_visible():
                marker.hover(force=True)
        expect(page.locator(".leaflet-tooltip").first).to_be_attached()
        assert_harmless(page, path)


def test_the_main_pages_raise_no_csp_violation_while_they_work(
    running_stack: RunningStack, page: Page
) -> None:
    page.context.add_init_script(WATCH_CSP_VIOLATIONS)
    sign_in(page, running_stack)
    for path in ("/", "/shipments/", "/map/", "/dispatch/", "/fleet/", "/reports/", "/settings/members/"):
        page.goto(running_stack.django_url + path)
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=15_000)
        assert page.evaluate("window.__violations") == [], path
    page.goto(running_stack.django_url + "/api/v1/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert page.evaluate("window.__violations") == [], "/api/v1/docs"
