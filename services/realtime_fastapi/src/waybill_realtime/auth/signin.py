"""The sign-in policy of ``POST /auth/jwt/login``: the same rules as signing in to Django.

A token is issued only for an active account whose email address is
verified, with the right password and, when the account has TOTP, the
current code (each code works once, in this service or Django's). Failed attempts count in the counters
Django's sign-in uses too (``waybill_contracts.signin``): a lockout in
either service holds in both.
"""

import base64
import binascii
import hashlib
import hmac
import struct
import time
from typing import Final

from fastapi.security import OAuth2PasswordRequestForm
from redis.asyncio import Redis
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_contracts.signin import (
    PER_ACCOUNT,
    PER_ADDRESS,
    account_failures_key,
    address_failures_key,
    totp_used_key,
)
from waybill_realtime.auth.accounts import Account
from waybill_realtime.auth.users import UserManager
from waybill_realtime.tables import Authenticator, EmailAddress

# allauth's TOTP settings (MFA_TOTP_PERIOD, MFA_TOTP_DIGITS, MFA_TOTP_TOLERANCE), which Waybill leaves at their defaults.
TOTP_PERIOD: Final = 30
TOTP_DIGITS: Final = 6
TOTP_TOLERANCE: Final = 0


class SignInRefused(Exception):
    def __init__(self, code: str, *, locked: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.locked = locked


BAD_CREDENTIALS: Final = "LOGIN_BAD_CREDENTIALS"
NOT_VERIFIED: Final = "LOGIN_USER_NOT_VERIFIED"
MFA_REQUIRED: Final = "LOGIN_MFA_REQUIRED"
BAD_MFA_CODE: Final = "LOGIN_BAD_MFA_CODE"
LOCKED: Final = "LOGIN_TOO_MANY_ATTEMPTS"


def totp_value(secret: str, counter: int) -> str:
    """RFC 6238 with SHA-1, as allauth computes it."""
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}}"


def totp_matches(secret: str, code: str, *, now: float | None = None) -> bool:
    counter = int(now if now is not None else time.time()) // TOTP_PERIOD
    code = "".join(code.split())
    try:
        expected = [totp_value(secret, counter + step) for step in range(-TOTP_TOLERANCE, TOTP_TOLERANCE + 1)]
    except (binascii.Error, ValueError):
        return False
    return any(hmac.compare_digest(code, value) for value in expected)


class SignIn:
    def __init__(self, *, session: AsyncSession, redis: "Redis", manager: UserManager) -> None:
        self._session = session
        self._redis = redis
        self._manager = manager

    async def __call__(self, *, email: str, password: str, code: str, address: str) -> Account:
        """The account to issue a token for; raises ``SignInRefused``."""
        if await self._locked(email, address):
            raise SignInRefused(LOCKED, locked=True)
        if "\x00" in email:
            # No address holds a NUL, and PostgreSQL refuses one in a query: a database error would answer 503.
            await self._failed(email, address)
            raise SignInRefused(BAD_CREDENTIALS)
        account = await self._manager.authenticate(
            OAuth2PasswordRequestForm(username=email, password=password)
        )
        if account is None or not account.is_active:
            await self._failed(email, address)
            raise SignInRefused(BAD_CREDENTIALS)
        if not await self._verified(account):
            raise SignInRefused(NOT_VERIFIED)
        secret = await self._totp_secret(account)
        if secret is not None:
            if not code.strip():
                raise SignInRefused(MFA_REQUIRED)
            if not totp_matches(secret, code) or not await self._first_use(account, code):
                await self._failed(email, address)
                raise SignInRefused(BAD_MFA_CODE)
        return account

    async def _locked(self, email: str, address: str) -> bool:
        account, by_address = await self._redis.mget(
            [account_failures_key(email), address_failures_key(address)]
        )
        return int(account or 0) >= PER_ACCOUNT.failures or int(by_address or 0) >= PER_ADDRESS.failures

    async def _failed(self, email: str, address: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, limit in (
                (account_failures_key(email), PER_ACCOUNT),
                (address_failures_key(address), PER_ADDRESS),
            ):
                # SET NX starts the window (EXPIRE NX needs Redis 7); INCR keeps its expiry.
                pipe.set(key, 0, ex=limit.window_seconds, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def _verified(self, account: Account) -> bool:
        query = select(
            exists().where(
                EmailAddress.user_id == account.id,
                EmailAddress.verified.is_(True),
                func.lower(EmailAddress.email) == account.email.lower(),
            )
        )
        return bool(await self._session.scalar(query))

    async def _totp_secret(self, account: Account) -> str | None:
        query = select(Authenticator.data).where(
            Authenticator.user_id == account.id, Authenticator.type == "totp"
        )
        data = (await self._session.scalars(query)).first()
        secret = data.get("secret") if data else None
        return str(secret) if secret else None

    async def _first_use(self, account: Account, code: str) -> bool:
        # The record Django's allauth sign-in keeps too: a code accepted by either is refused by both.
        key = totp_used_key(account.id, code)
        return bool(await self._redis.set(key, "1", nx=True, ex=TOTP_PERIOD * (2 * TOTP_TOLERANCE + 1)))
