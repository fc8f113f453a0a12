import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.organizations.models import Organization


class ApiClient:
    """Calls ``/api/v1/`` with an API token, as an integration would."""

    def __init__(self, client: Client, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.generic(
            method,
            f"/api/v1{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)


@pytest.fixture
def owner(make_member: Callable[..., User]) -> User:
    return make_member(Role.OWNER)


@pytest.fixture
def api_for(client: Client) -> Callable[[Organization, User], ApiClient]:
    def make(organization: Organization, creator: User) -> ApiClient:
        _, secret = api_token_create(organization=organization, actor=creator, name="ERP")
        return ApiClient(client, secret)

    return make


@pytest.fixture
def api(
    api_for: Callable[[Organization, User], ApiClient], organization: Organization, owner: User
) -> ApiClient:
    return api_for(organization, owner)
