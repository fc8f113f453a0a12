"""``Idempotency-Key`` on creates: a retried request gets the first response, never a second object."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError

from waybill_django.api.models import IdempotencyKey
from waybill_django.core.errors import Conflict
from waybill_django.core.transactions import unit_of_work
from waybill_django.organizations.models import Organization

Response = tuple[int, dict[str, Any]]


class IdempotencyKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used with a different request body.")


def idempotent_create(
    *,
    organization: Organization,
    endpoint: str,
    key: str | None,
    request_body: dict[str, Any],
    create: Callable[[], Response],
) -> Response:
    """Run ``create`` once per key; a repeat with the same key and body returns the stored response.

    The key row is written in the transaction of the create, so a concurrent
    duplicate waits on the unique index, fails, and then reads the winner's response.
    """
    if not key:
        return create()
    digest = hashlib.sha256(json.dumps(request_body, sort_keys=True, default=str).encode()).hexdigest()
    stored = _stored(organization, endpoint, key, digest)
    if stored is not None:
        return stored
    try:
        with unit_of_work():
            status, body = create()
            IdempotencyKey.unscoped.create(
                organization=organization,
                endpoint=endpoint,
                key=key,
                request_digest=digest,
                response_status=status,
                response_body=body,
            )
            return status, body
    except IntegrityError:
        stored = _stored(organization, endpoint, key, digest)
        if stored is None:
            raise
        return stored


def _stored(organization: Organization, endpoint: str, key: str, digest: str) -> Response | None:
    row = IdempotencyKey.objects.in_organization(organization).filter(endpoint=endpoint, key=key).first()
    if row is None:
        return None
    if row.request_digest != digest:
        raise IdempotencyKeyReused
    return row.response_status, row.response_body
