"""Who sends a telemetry batch, and whether they may send one now: one Redis round trip, usually no database read.

The same checks as every other signed-in request (``auth/tokens.py``): a
valid, unexpired token, not signed out, of an active user whose
``token_version`` it carries; then the per-device and per-address limits. The
signed-out list and both counters are one Lua call; the account comes from
``AccountCache`` when it holds it (see there for when it does not).
"""

from dataclasses import dataclass
from typing import Final, cast

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waybill_realtime.auth.account_cache import AccountCache
from waybill_realtime.auth.accounts import Account, DjangoUserDatabase
from waybill_realtime.auth.tokens import TokenStrategy, revoked_token_key
from waybill_realtime.ratelimit import WINDOW_SECONDS, Verdict, verdict, window_key

# KEYS: signed-out flag of the token, the device's counter, the address's counter.
# ARGV: the device's limit, the counters' lifetime. Returns {signed out, device count, address count};
# a signed-out token counts nothing, a device over its limit does not count against its address.
_ADMIT: Final = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, 0, 0} end
local device = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if device > tonumber(ARGV[1]) then return {0, device, 0} end
local address = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {0, device, address}
"""


@dataclass(frozen=True)
class Admission:
    account: Account | None
    """None: not signed in (401)."""
    verdict: Verdict
    """Over either limit: not allowed (429)."""


class TelemetryGate:
    def __init__(
        self,
        *,
        strategy: TokenStrategy,
        redis: "Redis",
        sessions: async_sessionmaker[AsyncSession],
        accounts: AccountCache,
        device_limit: int,
        address_limit: int,
    ) -> None:
        self._strategy = strategy
        self._sessions = sessions
        self._accounts = accounts
        self._device_limit = device_limit
        self._address_limit = address_limit
        self._admit = redis.register_script(_ADMIT)

    async def admit(self, token: str | None, *, address: str) -> Admission:
        """Raises ``RedisError`` or a database error when either cannot be reached (503, as for any sign-in)."""
        claims = self._strategy.claims(token) if token else None
        if claims is None:
            return Admission(None, Verdict(True, 0))
        try:
            user_id = int(claims["sub"])
        except (TypeError, ValueError):
            return Admission(None, Verdict(True, 0))
        signed_out, device, from_address = cast(
            list[int],
            await self._admit(
                keys=[
                    revoked_token_key(claims["jti"]),
                    window_key("telemetry-user", str(user_id)),
                    window_key("telemetry-address", address),
                ],
                args=[self._device_limit, WINDOW_SECONDS * 2],
            ),
        )
        if signed_out:
            return Admission(None, Verdict(True, 0))
        account = await self._account(user_id)
        if account is None or not account.is_active or account.token_version != claims["ver"]:
            return Admission(None, Verdict(True, 0))
        over_device = verdict(int(device), self._device_limit)
        if not over_device.allowed:
            return Admission(account, over_device)
        return Admission(account, verdict(int(from_address), self._address_limit))

    async def _account(self, user_id: int) -> Account | None:
        account = self._accounts.get(user_id)
        if account is not None:
            return account
        read_since = self._accounts.generation
        async with self._sessions() as session:
            account = await DjangoUserDatabase(session).get(user_id)
        if account is not None:
            self._accounts.put(account, read_since=read_since)
        return account
