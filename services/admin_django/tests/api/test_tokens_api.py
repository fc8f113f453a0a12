import pytest
from django.test import Client

from waybill_django.accounts.models import User
from waybill_django.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_an_owner_creates_a_token_sees_its_secret_once_and_can_revoke_it(client: Client, owner: User) -> None:
    client.force_login(owner)

    created = client.post("/api/v1/tokens", {"name": "ERP"}, content_type="application/json")

    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("wbt_")
    assert "token" not in client.get("/api/v1/tokens").json()[0]
    assert secret not in str(ApiToken.unscoped.values().get()), "only a digest is stored"

    bearer = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/shipments", headers=bearer).status_code == 200
    client.delete(f"/api/v1/tokens/{created.json()['id']}")
    assert Client().get("/api/v1/shipments", headers=bearer).status_code == 401


def test_a_dispatcher_cannot_create_tokens(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    response = client.post("/api/v1/tokens", {"name": "mine"}, content_type="application/json")
    assert response.status_code == 403
    assert "API tokens" in response.json()["detail"]


def test_a_token_cannot_mint_tokens(client: Client, owner: User) -> None:
    client.force_login(owner)
    secret = client.post("/api/v1/tokens", {"name": "ERP"}, content_type="application/json").json()["token"]
    response = Client().post(
        "/api/v1/tokens",
        {"name": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 401


def test_a_made_up_token_is_refused(client: Client) -> None:
    assert client.get("/api/v1/shipments", headers={"Authorization": "Bearer wbt_nope"}).status_code == 401
