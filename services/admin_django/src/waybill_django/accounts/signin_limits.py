"""The shared failed-sign-in counters (``waybill_contracts.signin``), as Django reads and writes them."""

from waybill_contracts.signin import PER_ACCOUNT, PER_ADDRESS, account_failures_key, address_failures_key
from waybill_django.core.redis_client import get_redis


def signin_locked(*, email: str, address: str) -> bool:
    """True while the account or the address has used up its failed sign-ins."""
    account, by_address = get_redis().mget([account_failures_key(email), address_failures_key(address)])
    return int(account or 0) >= PER_ACCOUNT.failures or int(by_address or 0) >= PER_ADDRESS.failures


def signin_failed(*, email: str, address: str) -> None:
    with get_redis().pipeline() as pipe:
        for key, limit in (
            (account_failures_key(email), PER_ACCOUNT),
            (address_failures_key(address), PER_ADDRESS),
        ):
            # SET NX starts the window (EXPIRE NX needs Redis 7); INCR keeps its expiry.
            pipe.set(key, 0, ex=limit.window_seconds, nx=True)
            pipe.incr(key)
        pipe.execute()
