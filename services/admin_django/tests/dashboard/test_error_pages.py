"""Error pages and the favicon in the product's shell."""

from collections.abc import Callable

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User


def test_an_unknown_shipment_answers_a_branded_404(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(members[Role.VIEWER]).get("/shipments/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page
    assert 'class="topbar"' in page
    assert f'href="{reverse("dashboard:overview")}"' in page


def test_a_server_error_answers_a_branded_500(db: None) -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "dashboard.css" in response.content.decode()


def test_every_page_names_a_favicon(members: dict[Role, User], signed_in: Callable[[User], Client]) -> None:
    client = signed_in(members[Role.VIEWER])
    for url in (reverse("dashboard:overview"), reverse("account_email")):
        assert 'rel="icon" href="/static/dashboard/favicon.svg"' in client.get(url).content.decode()
    icon = client.get("/static/dashboard/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)  # type: ignore[attr-defined]
    icon.close()
