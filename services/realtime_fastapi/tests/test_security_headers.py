"""The realtime service's HTTP answers carry the same security headers as Django's, and ``/docs`` works offline.

The docs page is opened in real Chromium with every request outside 127.0.0.1
refused: Swagger UI must come from the service itself, render every operation,
run one, and break nothing in the Content-Security-Policy.
"""

import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from waybill_devstack.browser import WATCH_CSP_VIOLATIONS
from waybill_realtime.client import RealtimeClient
from waybill_realtime.security_headers import CONTENT_SECURITY_POLICY
from waybill_testkit.realtime import StartRealtime

BASELINE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def replica(start_realtime: StartRealtime, migrated_database_url: str) -> RealtimeClient:
    return start_realtime(migrated_database_url)


def test_the_policy_allows_no_inline_script_no_eval_and_no_other_origin() -> None:
    directives = dict(directive.split(" ", 1) for directive in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_answer_carries_the_csp_and_the_baseline_headers(replica: RealtimeClient) -> None:
    answers = {
        path: httpx.get(f"{replica.http_url}{path}")
        for path in (
            "/docs",
            "/openapi.json",
            "/healthz",
            "/users/me",
            "/no-such-page",
            "/static/docs/swagger-initializer.js",
            "/v1/track/no-such-code",  # answered in front of the router (routes/tracking.py)
        )
    }

    assert {path: answer.status_code for path, answer in answers.items()} == {
        "/docs": 200,
        "/openapi.json": 200,
        "/healthz": 200,
        "/users/me": 401,
        "/no-such-page": 404,
        "/static/docs/swagger-initializer.js": 200,
        "/v1/track/no-such-code": 404,
    }
    for path, answer in answers.items():
        assert answer.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, path
        assert "camera=()" in answer.headers.get("permissions-policy", ""), path
        assert {name: answer.headers.get(name) for name in BASELINE} == BASELINE, path
    assert "strict-transport-security" not in answers["/docs"].headers, "only in production, behind TLS"


def test_the_docs_page_has_no_inline_script_and_loads_nothing_from_elsewhere(replica: RealtimeClient) -> None:
    page = httpx.get(f"{replica.http_url}/docs").text
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page)

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert len(sources) == 3  # Swagger UI's stylesheet and script, and the initializer
    assert all(source.startswith("/static/") for source in sources), sources
    for source in sources:
        assert httpx.get(f"{replica.http_url}{source}").status_code == 200, source


def test_the_docs_page_renders_and_runs_operations_offline_with_no_csp_violation(
    replica: RealtimeClient, page: Page
) -> None:
    operations = sum(
        len(methods) for methods in httpx.get(f"{replica.http_url}/openapi.json").json()["paths"].values()
    )
    elsewhere: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", loopback_only)
    page.context.add_init_script(WATCH_CSP_VIOLATIONS)
    page.goto(f"{replica.http_url}/docs")

    expect(page.locator(".opblock")).to_have_count(operations)
    health = page.locator(".opblock", has=page.locator("[data-path='/healthz']"))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    expect(health.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")

    assert page.evaluate("window.__violations") == []
    assert elsewhere == []
