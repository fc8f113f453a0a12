"""Open connections follow access changes: each replica reads the access stream and closes what they revoke.

See ``waybill_contracts.access``. A connection registers (``register``) for as
long as it is open; its token's expiry closes it too. Nothing here polls the
database: a connection is re-checked only when its user's access changed.
"""

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Final, cast

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from waybill_contracts.access import (
    ACCESS_STREAM_KEY,
    USER_WIDE_REASONS,
    AccessChanged,
    AccessChangeReason,
)
from waybill_contracts.channels import STREAM_ENTRY_FIELD
from waybill_contracts.ws import CloseCode
from waybill_realtime.auth.account_cache import AccountCache

logger = logging.getLogger(__name__)

READ_BLOCK_MS: Final = 5000
READ_RETRY_SECONDS: Final = 1.0
RECENT_SECONDS: Final = 60.0
"""How long a change is remembered for connections still authenticating when it arrived."""

Close = Callable[[int, str], None]

_REASON_TEXT: Final = {
    AccessChangeReason.USER_DEACTIVATED: "access revoked: account deactivated",
    AccessChangeReason.PASSWORD_CHANGED: "access revoked: password changed, sign in again",
    AccessChangeReason.MEMBERSHIP_REMOVED: "access revoked: removed from the organization",
    AccessChangeReason.ROLE_CHANGED: "access changed: role changed, reconnect",
    AccessChangeReason.TOKEN_REVOKED: "access revoked: signed out",
}


@dataclass(eq=False, slots=True)
class Watch:
    user_id: int
    token_id: str | None
    """The JWT's id; None for a browser connection opened with a ticket."""
    organizations: Callable[[], Collection[int]]
    """The organizations whose data the connection reads right now."""
    close: Close
    expiry: asyncio.TimerHandle | None = None

    def affected_by(self, change: AccessChanged) -> bool:
        if change.reason in USER_WIDE_REASONS:
            return True
        if change.reason is AccessChangeReason.TOKEN_REVOKED:
            return self.token_id is not None and change.token_id in {None, self.token_id}
        return change.organization_id is None or change.organization_id in self.organizations()


class Revocations:
    def __init__(self, redis: "Redis", accounts: AccountCache | None = None) -> None:
        self._redis = redis
        """A connection of its own: ``run`` blocks on it."""
        self._watches: defaultdict[int, set[Watch]] = defaultdict(set)
        self._recent: dict[int, float] = {}
        """User id -> monotonic time of the last change seen for them."""
        self._accounts = accounts
        """Cached accounts, forgotten when their user's access changes (``auth/account_cache.py``)."""

    def register(
        self,
        *,
        user_id: int,
        token_id: str | None,
        expires_at: float | None,
        verified_at: float,
        organizations: Callable[[], Collection[int]],
        close: Close,
    ) -> Watch:
        """Close the connection (``close(code, reason)``) when its access goes, or its token expires; until
        ``unregister``.

        ``verified_at`` (``time.monotonic()``) is when its credentials were checked: a change
        seen after that closes it at once.
        """
        entry = Watch(user_id, token_id, organizations, close)
        self._watches[user_id].add(entry)
        if expires_at is not None:
            entry.expiry = asyncio.get_running_loop().call_later(
                max(0.0, expires_at - time.time()),
                close,
                CloseCode.TOKEN_EXPIRED,
                "token expired: sign in again",
            )
        if self._recent.get(user_id, float("-inf")) >= verified_at:
            close(CloseCode.ACCESS_REVOKED, "access changed while connecting: reconnect")
        return entry

    def unregister(self, entry: Watch) -> None:
        if entry.expiry is not None:
            entry.expiry.cancel()
            entry.expiry = None
        watches = self._watches.get(entry.user_id)
        if watches is not None:
            watches.discard(entry)
            if not watches:
                del self._watches[entry.user_id]

    def apply(self, change: AccessChanged) -> int:
        """Close the connections ``change`` affects on this replica; returns how many."""
        now = time.monotonic()
        self._recent[change.user_id] = now
        if self._accounts is not None:
            self._accounts.forget(change.user_id)
        for user_id in [user for user, seen in self._recent.items() if seen < now - RECENT_SECONDS]:
            del self._recent[user_id]
        closed = 0
        for entry in list(self._watches.get(change.user_id, ())):
            if entry.affected_by(change):
                entry.close(CloseCode.ACCESS_REVOKED, _REASON_TEXT[change.reason])
                closed += 1
        if closed:
            logger.info("closed %s connection(s) of user %s: %s", closed, change.user_id, change.reason)
        return closed

    def _following(self, following: bool) -> None:
        if self._accounts is not None:
            self._accounts.following(following)

    async def run(self) -> None:
        """Follow the access stream from its current end, for as long as the replica runs."""
        try:
            await self._follow()
        finally:
            self._following(False)

    async def _follow(self) -> None:
        cursor: str | None = None
        while True:
            try:
                if cursor is None:
                    newest = cast(
                        list[tuple[str, object]], await self._redis.xrevrange(ACCESS_STREAM_KEY, count=1)
                    )
                    cursor = newest[0][0] if newest else "0-0"
                response = cast(
                    list[tuple[str, list[tuple[str, dict[str, str]]]]] | None,
                    await self._redis.xread({ACCESS_STREAM_KEY: cursor}, block=READ_BLOCK_MS),
                )
            except RedisError:
                logger.exception("reading the access stream failed; retrying")
                self._following(False)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            self._following(True)
            for _, entries in response or []:
                for stream_id, fields in entries:
                    cursor = stream_id
                    try:
                        change = AccessChanged.model_validate_json(fields.get(STREAM_ENTRY_FIELD, ""))
                    except ValidationError:
                        logger.warning("skipping malformed access entry %s", stream_id)
                        continue
                    self.apply(change)
