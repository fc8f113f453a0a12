"""Schemathesis against the integration API's own OpenAPI document: every check, 100 examples per operation.

Runs in process (Django's WSGI application on the test database) as an owner
with an API token, and as the same owner's session for the session-only
operations. Any server error or answer that disagrees with the document fails.
"""

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.tokens import api_token_create
from waybill_django.organizations.models import Membership, Organization

EXAMPLES_PER_OPERATION = 100

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def credentials(transactional_db: None) -> dict[str, str]:
    organization = Organization.objects.create(name="Acme Freight", slug="acme")
    owner = User.objects.create_user("owner@acme.test", "correct horse battery")
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    _, secret = api_token_create(organization=organization, actor=owner, name="schemathesis")
    client = Client()
    client.force_login(owner)
    return {"Authorization": f"Bearer {secret}", "Cookie": f"sessionid={client.cookies['sessionid'].value}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_as_documented(case: Any, credentials: dict[str, str]) -> None:
    # Every check but one: the document cannot state cross-field rules (a window's end after its start),
    # so a random body that breaks one is rightly refused with 422 although each field is valid.
    case.call_and_validate(headers=credentials, excluded_checks=[positive_data_acceptance])
