"""The audit log page: owners and admins read their organization's entries, filtered and in pages."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.audit.models import AuditLog
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_see_who_did_what(
    role: Role,
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
) -> None:
    shipment = make_shipment("AUD-1")
    page = signed_in(members[role]).get(reverse("dashboard:audit_log")).content.decode()
    assert "<code>shipment.created</code>" in page
    assert f'href="{reverse("dashboard:shipment", args=[shipment.pk])}"' in page
    assert members[Role.DISPATCHER].display_name in page
    assert 'aria-current="page">Audit log</a>' in page


def test_only_this_organizations_entries_are_shown(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    other_organization: Organization,
    elsewhere: tuple[User, Shipment, object],
) -> None:
    AuditLog.unscoped.create(
        organization=other_organization, action="secret.elsewhere", target_type="x", target_id="1"
    )
    AuditLog.unscoped.create(organization=None, action="platform.wide", target_type="x", target_id="2")
    page = signed_in(members[Role.OWNER]).get(reverse("dashboard:audit_log")).content.decode()
    assert "secret.elsewhere" not in page
    assert "platform.wide" not in page
    assert elsewhere[1].reference not in page


def test_what_an_entry_holds_is_escaped(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    AuditLog.unscoped.create(
        organization=organization,
        action="shipment.updated",
        target_type="shipments.shipment",
        target_id="<img src=x onerror=alert(1)>",
        data={"<b>field</b>": "<script>alert(1)</script>"},
    )
    page = signed_in(members[Role.OWNER]).get(reverse("dashboard:audit_log"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;b&gt;field&lt;/b&gt;" in body
    assert "<img src=x" not in body


def test_filters_narrow_by_action_and_person(
    members: dict[Role, User],
    signed_in: Callable[[User], Client],
    make_shipment: Callable[..., Shipment],
    organization: Organization,
) -> None:
    make_shipment("BY-DISPATCHER")
    make_shipment("BY-OWNER", actor=members[Role.OWNER])
    AuditLog.unscoped.create(
        organization=organization, action="vehicle.created", target_type="fleet.vehicle", target_id="9"
    )
    client = signed_in(members[Role.OWNER])
    url = reverse("dashboard:audit_log")
    only_vehicles = client.get(url, {"action": "vehicle.created"}).content.decode()
    assert "<code>vehicle.created</code>" in only_vehicles
    assert "<code>shipment.created</code>" not in only_vehicles

    by_owner = client.get(url, {"actor": members[Role.OWNER].pk}).content.decode()
    rows = by_owner[by_owner.index("<tbody>") : by_owner.index("</tbody>")]
    assert rows.count("<tr>") == 1
    assert members[Role.DISPATCHER].display_name not in rows

    unknown = client.get(url, {"action": "nothing.like.this"})
    assert unknown.status_code == 200
    assert "Select a valid choice." in unknown.content.decode()


def test_the_log_comes_in_pages_of_fifty_newest_first(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    for n in range(60):
        AuditLog.unscoped.create(
            organization=organization, action="shipment.updated", target_type="x", target_id=f"n{n}"
        )
    client = signed_in(members[Role.OWNER])
    first = client.get(reverse("dashboard:audit_log")).content.decode()
    assert "x n59" in first
    assert "x n9<" not in first
    assert "Page 1 of 2 · 60 entries" in first
    second = client.get(reverse("dashboard:audit_log"), {"page": 2}).content.decode()
    assert "x n9<" in second
    assert "x n59" not in second
