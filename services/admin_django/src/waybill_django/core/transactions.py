"""The unit of work: one transaction around a domain change, its audit row and its outbox row.

Domain entry points are decorated ``@unit_of_work()``. Called on their own
(a view, an API route, a task) they open a durable transaction: when they
return, the change is committed and its events are on their way. Called
inside another unit of work (a service calling a service, the admin's
change form, an idempotent API create) they join it as a savepoint, and the
events leave when the outermost unit commits.

What they refuse is a plain ``transaction.atomic()`` of a caller that did not
say it is the unit of work: the caller would believe the change is done and
published when it is not yet committed (the reason Zulip marks its actions
``durable=True``). Such a caller wraps its block in ``unit_of_work()``
instead. See docs/decisions/0305-the-unit-of-work.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

# Set on the Atomic blocks this module opens, so that a nested unit recognises an enclosing one.
_UNIT_MARK = "_waybill_unit_of_work"


class NotAUnitOfWork(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "A domain function was called inside a transaction.atomic() block that is not a unit of work: "
            "wrap the block in waybill_django.core.transactions.unit_of_work() instead."
        )


@contextmanager
def unit_of_work(using: str | None = None) -> Iterator[None]:
    """A durable transaction when outermost; a savepoint inside an enclosing unit of work."""
    connection = transaction.get_connection(using)
    # Django's own test case wraps each test in atomic blocks it marks; those do not count as callers.
    enclosing = [block for block in connection.atomic_blocks if not block._from_testcase]
    if enclosing and not any(getattr(block, _UNIT_MARK, False) for block in enclosing):
        raise NotAUnitOfWork
    block = transaction.atomic(using=using, durable=not enclosing)
    setattr(block, _UNIT_MARK, True)
    with block:
        yield
