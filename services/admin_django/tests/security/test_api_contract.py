"""Schemathesis against the integration API's own OpenAPI document: every check, 100 examples per operation.

Runs in process (Django's WSGI application on the test database) as an owner
with an API token, and as the same owner's session for the session-only
operations. Any server error, answer that disagrees with the document, or
schema-valid request refused (``positive_data_acceptance``) fails. The second
test follows the document's links (create → get → change → transition) as
schemathesis' state machine, on real objects instead of made-up ids.
"""

import json
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import CheckContext, CheckFunction
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.api.routers.vehicles import UNKNOWN_DRIVER
from waybill_django.api.tokens import api_token_create
from waybill_django.organizations.models import Membership, Organization
from waybill_django.shipments.models import RULES_BETWEEN_FIELDS

EXAMPLES_PER_OPERATION = 100
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8

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


# What the document states in words because a JSON Schema cannot: rules between a shipment's fields,
# and a driver_id that must be a member of the organization.
RULES_NO_SCHEMA_STATES = (*RULES_BETWEEN_FIELDS, UNKNOWN_DRIVER)


def _breaks_only_rules_no_schema_states(response: Response) -> bool:
    """A 422 naming only such rules (a duplicate reported beside one of them included: alone it is a 409)."""
    if response.status_code != 422:
        return False
    errors = json.loads(response.content).get("errors") or {}
    messages = {message for field in errors.values() for message in field}
    rules = messages & set(RULES_NO_SCHEMA_STATES)
    duplicates = {message for message in messages if message.endswith("already exists.")}
    return bool(rules) and messages == rules | duplicates


@schemathesis.check
def schema_valid_data_is_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """``positive_data_acceptance``, except the documented rules a JSON Schema cannot state."""
    if _breaks_only_rules_no_schema_states(response):
        return None
    return positive_data_acceptance(ctx, response, case)


ADDITIONAL_CHECKS: list[CheckFunction] = [schema_valid_data_is_accepted]
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_answers_as_documented(case: Any, credentials: dict[str, str]) -> None:
    case.call_and_validate(
        headers=credentials, additional_checks=ADDITIONAL_CHECKS, excluded_checks=EXCLUDED_CHECKS
    )


def test_following_the_links_from_a_created_object_every_answer_is_as_documented(
    credentials: dict[str, str],
) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Response, case: Case[Any], **kwargs: Any) -> None:
            # ignored_auth is the first test's: here every call carries our token over the auth schemathesis
            # generates, so a 200 would read as "invalid credentials accepted".
            case.validate_response(
                response,
                additional_checks=ADDITIONAL_CHECKS,
                excluded_checks=[*EXCLUDED_CHECKS, ignored_auth],
            )

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            # The token only: schemathesis' ignored_auth check replaces it, and a session cookie left
            # beside it would still sign the request in. Session-only operations answer their documented 403.
            return {"headers": {"Authorization": credentials["Authorization"]}}

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
