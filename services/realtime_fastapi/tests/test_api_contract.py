"""Schemathesis against a running replica's OpenAPI document: every check (schema-valid data accepted too), 100 examples per operation."""

from typing import Any

import pytest
import schemathesis

from waybill_realtime.client import RealtimeClient
from waybill_testkit.contract import every_operation
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

    def call(case: Any) -> None:
        # Every check, positive_data_acceptance included: a schema-valid batch whose items break a
        # rule (a timestamp too old, a vehicle not the driver's) is answered 200 with per-item results.
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    failures, tested = every_operation(schema, examples=EXAMPLES_PER_OPERATION, call=call)

    assert failures == []
    assert len(tested) >= 6, tested  # sign-in, me, telemetry, tracking, health, readiness
