"""Schemathesis against a running Django's integration API document: every check, schema-valid data accepted too.

Django runs as its own process (``runserver`` with the local settings, on a
migrated database of its own), as a client meets it. The run signs in as an
owner through the sign-in form, creates an API token through the API, and
calls every operation with the token and the session (CSRF token included), so
the session-only operations are exercised as well. Any server error, answer
that disagrees with the document, or schema-valid request refused with 4xx
other than 401/403/404/409 (``positive_data_acceptance``) fails. A second
run follows the document's OpenAPI links (create → get → change → transition)
as schemathesis' state machine, on real objects instead of made-up ids.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import CheckContext, CheckFunction
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from waybill_devstack import stack
from waybill_devstack.polling import wait_until
from waybill_devstack.supervisor import ProcessGroup
from waybill_django.shipments.models import BOTH_COORDINATES
from waybill_testkit.contract import every_operation
from waybill_testkit.realtime import Personas

# Small enough that the whole run stays under a minute on two shared cores; CI runs it on every change.
EXAMPLES_PER_OPERATION = 8
STATEFUL_SCENARIOS = 8
STATEFUL_STEPS = 5


# The rules between values that the document states in words (its 422 description) because a JSON
# Schema cannot: a body that breaks only these is rightly refused although each value is valid.
RULES_IN_WORDS = re.compile(
    "|".join(
        re.escape(message)
        for message in (
            BOTH_COORDINATES,
            "The pickup window must end after it starts.",
            "The delivery window must end after it starts.",
            "The delivery window must end after the pickup window starts.",
            "Choose the vehicle to assign the shipment to.",
            "Say what went wrong.",
            "Say who received the shipment.",
            "The driver must be a member of this organization with the driver role.",
            "No member of this organization has this id.",
        )
    )
    + r"|Vehicle .* is not active\."
)


def _breaks_only_rules_in_words(response: Response) -> bool:
    if response.status_code != 422:
        return False
    errors = json.loads(response.content).get("errors") or {}
    messages = [message for field in errors.values() for message in field]
    return bool(messages) and all(RULES_IN_WORDS.fullmatch(message) for message in messages)


@schemathesis.check
def schema_valid_data_is_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """``positive_data_acceptance``, but for the rules the document states in words."""
    if _breaks_only_rules_in_words(response):
        return None
    return positive_data_acceptance(ctx, response, case)


ADDITIONAL_CHECKS: list[CheckFunction] = [schema_valid_data_is_accepted]
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]


@dataclass(frozen=True)
class Owner:
    api_url: str
    headers: dict[str, str]
    token: str


def _sign_in(django_url: str, email: str, password: str) -> Owner:
    with httpx.Client(base_url=django_url, timeout=30) as client:
        form = client.get("/accounts/login/")
        csrf = client.cookies["csrftoken"]
        assert re.search(r'name="csrfmiddlewaretoken"', form.text)
        signed_in = client.post(
            "/accounts/login/",
            data={"login": email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{django_url}/accounts/login/"},
        )
        assert signed_in.status_code == 302, signed_in.text
        session = client.cookies["sessionid"]
        cookie = f"sessionid={session}; csrftoken={csrf}"
        created = client.post(
            "/api/v1/tokens", json={"name": "schemathesis"}, headers={"X-CSRFToken": csrf, "Cookie": cookie}
        )
        assert created.status_code == 201, created.text
        token = created.json()["token"]
    return Owner(
        api_url=f"{django_url}/api/v1",
        headers={"Authorization": f"Bearer {token}", "Cookie": cookie, "X-CSRFToken": csrf},
        token=token,
    )


@pytest.fixture
async def personas(migrated_database_url: str) -> Personas:
    return await Personas.create(migrated_database_url)


@pytest.fixture
def owner(personas: Personas, redis_url: str, processes: ProcessGroup) -> Owner:
    backends = stack.Backends(database_url=personas.database_url, redis_url=redis_url)
    env = stack.service_environment(
        backends, settings_module="waybill_django.config.settings.local", environment="test"
    )
    port = stack.free_port()
    processes.start("django", stack.django_command("127.0.0.1", port, reload=False), env=env)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: stack.is_ready(url), what="Django to be ready", timeout=60)
    return _sign_in(url, personas.acme_owner, personas.password)


def test_every_operation_answers_as_documented(owner: Owner) -> None:
    schema = schemathesis.openapi.from_url(f"{owner.api_url}/openapi.json")

    def call(case: Case[Any]) -> None:
        case.call_and_validate(
            headers=owner.headers, additional_checks=ADDITIONAL_CHECKS, excluded_checks=EXCLUDED_CHECKS
        )

    failures, tested = every_operation(schema, examples=EXAMPLES_PER_OPERATION, call=call)

    assert not failures, "\n\n".join(failures)
    assert len(tested) >= 19, tested


def test_following_the_links_from_a_created_object_every_answer_is_as_documented(owner: Owner) -> None:
    schema = schemathesis.openapi.from_url(f"{owner.api_url}/openapi.json")

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Response, case: Case[Any], **kwargs: Any) -> None:
            # ignored_auth belongs to the first test: here every call carries the owner's credentials over
            # whatever auth schemathesis generates, so a 200 would read as "invalid credentials accepted".
            case.validate_response(
                response,
                additional_checks=ADDITIONAL_CHECKS,
                excluded_checks=[*EXCLUDED_CHECKS, ignored_auth],
            )

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            # The token only: a session cookie beside it would sign in a request whose generated cookie
            # was left out on purpose. Session-only operations answer their documented 403.
            return {"headers": {"Authorization": f"Bearer {owner.token}"}}

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
