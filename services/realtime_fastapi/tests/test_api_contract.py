"""Schemathesis against a running replica's OpenAPI document: every check, 100 examples per operation."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import positive_data_acceptance

from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import Personas, StartRealtime

EXAMPLES_PER_OPERATION = 100


@pytest.fixture
async def replica(start_realtime: StartRealtime, personas: Personas) -> tuple[RealtimeClient, str]:
    realtime = start_realtime(personas.database_url)
    return realtime, await realtime.token(personas.acme_driver, personas.password)


async def test_every_operation_answers_as_documented(replica: tuple[RealtimeClient, str]) -> None:
    realtime, token = replica
    # Signing out would revoke the token the other operations use; it has its own tests (test_revocation).
    schema = schemathesis.openapi.from_url(f"{realtime.http_url}/openapi.json").exclude(
        path="/auth/jwt/logout"
    )
    failures: list[str] = []
    tested = []

    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"unreadable operation: {result.err()}")
            continue
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            # A body with a valid shape can still break a rule between fields or items (a timestamp
            # too old, a vehicle not the driver's): refusing it is right, so that one check is left out.
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
            )

        tested.append(operation.label)
        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation's failure is collected and reported together
            failures.append(f"{operation.label}: {error}")

    assert failures == []
    assert len(tested) >= 6, tested  # sign-in, me, telemetry, tracking, health, readiness
