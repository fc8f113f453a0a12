"""Accounts read in the last few seconds, kept only while this replica follows the access stream.

A telemetry device sends a batch every second or so; reading its user's row
for each one costs a database round trip per batch. An account (``is_active``,
``token_version``) is kept here for ``ttl_seconds`` after it was read, and
dropped at once when the access stream (``revocation.py``) reports a change of
its user, or all of them when that stream cannot be read. A deactivation or a
password change therefore takes effect when its event reaches the replica, as
it does for open WebSockets, and at the latest ``ttl_seconds`` later when the
event is late. Signing out is checked in Redis on every request (not cached).
See decision 0212.
"""

import time

from waybill_realtime.auth.accounts import Account


class AccountCache:
    def __init__(self, *, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[int, tuple[Account, float]] = {}
        self._generation = 0
        """Raised by every change seen: a read that started before one is not kept."""
        self._following = False

    @property
    def generation(self) -> int:
        return self._generation

    def get(self, user_id: int) -> Account | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        account, read_at = entry
        if time.monotonic() - read_at > self._ttl:
            del self._entries[user_id]
            return None
        return account

    def put(self, account: Account, *, read_since: int) -> None:
        """Keep ``account``, read from the database after ``generation`` was ``read_since``."""
        if self._ttl > 0 and self._following and read_since == self._generation:
            self._entries[account.id] = (account, time.monotonic())

    def forget(self, user_id: int) -> None:
        """The user's access changed (the access stream said so)."""
        self._generation += 1
        self._entries.pop(user_id, None)

    def following(self, following: bool) -> None:
        """Whether the access stream is being read; while not, nothing is kept."""
        if not following:
            self._generation += 1
            self._entries.clear()
        self._following = following
