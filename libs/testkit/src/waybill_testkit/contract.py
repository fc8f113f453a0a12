"""Schemathesis over every operation of an OpenAPI document, each operation's failures collected."""

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err
from schemathesis.schemas import BaseSchema


def every_operation(
    schema: BaseSchema, *, examples: int, call: Callable[[Any], None]
) -> tuple[list[str], list[str]]:
    """Run ``call(case)`` on ``examples`` generated cases of each operation: (failures, operations tested).

    Every operation runs even when an earlier one fails, so one run reports all of them.
    """
    failures: list[str] = []
    tested: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"unreadable operation: {result.err()}")
            continue
        operation = result.ok()

        @settings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            call(case)

        tested.append(operation.label)
        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collected, reported together
            failures.append(f"{operation.label}: {error}")
    return failures, tested
