"""Changes to who may read what, sent to every realtime replica so that open connections follow them.

Django records an ``AccessChanged`` in its outbox with the change (a user
deactivated, a membership removed or its role changed, a password changed);
the relay appends it to the one access stream, ``ACCESS_STREAM_KEY``. The
realtime service appends a ``TOKEN_REVOKED`` itself when a client signs out.
Every replica reads the stream and closes the affected connections
(``CloseCode.ACCESS_REVOKED``); a client that still has access reconnects
with what it may see now.
"""

from datetime import datetime
from enum import StrEnum
from typing import Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

ACCESS_STREAM_KEY: Final = "waybill:access:events"
ACCESS_STREAM_MAXLEN: Final = 10_000
"""Approximate entries kept: replicas read it live, nobody replays it from far back."""

ACCESS_CHANGED: Final = "access.changed"


class AccessChangeReason(StrEnum):
    USER_DEACTIVATED = "user_deactivated"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  # a reason, not a password
    MEMBERSHIP_REMOVED = "membership_removed"
    ROLE_CHANGED = "role_changed"
    TOKEN_REVOKED = "token_revoked"  # noqa: S105  # a reason, not a token


USER_WIDE_REASONS: Final = frozenset(
    {AccessChangeReason.USER_DEACTIVATED, AccessChangeReason.PASSWORD_CHANGED}
)
"""Reasons that end every connection of the user, whatever it is subscribed to."""


class AccessChanged(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["access.changed"] = "access.changed"
    event_id: UUID
    occurred_at: datetime
    user_id: int
    reason: AccessChangeReason
    organization_id: int | None = None
    """The organization of a membership change; None for a change to the user as a whole."""
    token_id: str | None = Field(default=None, max_length=64)
    """The one token signed out (``TOKEN_REVOKED``)."""
