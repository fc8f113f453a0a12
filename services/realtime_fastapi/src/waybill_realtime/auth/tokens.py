"""The realtime service's JWTs: what they carry, and when one stops being accepted.

A token names its user (``sub``), its own id (``jti``) and the user's
``token_version`` at issue (``ver``), and always expires (``exp``). It is
refused once the user is inactive, once Django raises the user's
``token_version`` (password change, deactivation), and once it is signed out
(``jti`` on the revocation list until it would have expired). Tokens are
signed with a key derived from ``SECRET_KEY``, never with ``SECRET_KEY`` itself.
"""

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import jwt
from fastapi_users import BaseUserManager, exceptions
from fastapi_users.authentication import JWTStrategy
from redis.asyncio import Redis

from waybill_contracts.access import (
    ACCESS_STREAM_KEY,
    ACCESS_STREAM_MAXLEN,
    AccessChanged,
    AccessChangeReason,
)
from waybill_contracts.channels import STREAM_ENTRY_FIELD
from waybill_realtime.auth.accounts import Account

TOKEN_AUDIENCE: Final = ["waybill:realtime"]
_KEY_PURPOSE: Final = b"waybill:realtime:jwt:v1"
_REQUIRED_CLAIMS: Final = ["exp", "sub", "aud", "jti", "ver"]


def jwt_key(secret_key: str) -> str:
    """The JWT signing key: a leaked token key does not expose the sessions' ``SECRET_KEY``, nor the reverse."""
    return hmac.new(secret_key.encode(), _KEY_PURPOSE, hashlib.sha256).hexdigest()


def revoked_token_key(token_id: str) -> str:
    return f"waybill:realtime:revoked-token:{token_id}"


@dataclass(frozen=True)
class Credential:
    """A verified token: whose, which one, until when (Unix time)."""

    account: Account
    token_id: str
    expires_at: float


class TokenStrategy(JWTStrategy[Account, int]):
    def __init__(self, *, secret_key: str, lifetime_seconds: int, redis: "Redis") -> None:
        super().__init__(
            secret=jwt_key(secret_key), lifetime_seconds=lifetime_seconds, token_audience=TOKEN_AUDIENCE
        )
        self._lifetime = lifetime_seconds
        self._redis = redis

    async def write_token(self, user: Account) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user.id),
            "aud": self.token_audience,
            "jti": secrets.token_urlsafe(16),
            "ver": user.token_version,
            "iat": now,
            "exp": now + self._lifetime,
        }
        return jwt.encode(claims, self.encode_key, algorithm=self.algorithm)  # type: ignore[arg-type]

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this service signed and that has not expired; None for any other."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.decode_key,  # type: ignore[arg-type]
                audience=self.token_audience,
                algorithms=[self.algorithm],
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError:
            return None
        if not isinstance(claims["jti"], str) or type(claims["ver"]) is not int:
            return None
        return claims

    async def read_credential(
        self, token: str | None, user_manager: BaseUserManager[Account, int]
    ) -> Credential | None:
        claims = self.claims(token) if token else None
        if claims is None:
            return None
        if await self._redis.exists(revoked_token_key(claims["jti"])):
            return None
        try:
            user = await user_manager.get(user_manager.parse_id(claims["sub"]))
        except (exceptions.UserNotExists, exceptions.InvalidID):
            return None
        if not user.is_active or user.token_version != claims["ver"]:
            return None
        return Credential(user, claims["jti"], float(claims["exp"]))

    async def read_token(
        self, token: str | None, user_manager: BaseUserManager[Account, int]
    ) -> Account | None:
        credential = await self.read_credential(token, user_manager)
        return credential.account if credential is not None else None

    async def destroy_token(self, token: str, user: Account) -> None:
        """Sign out: this token is refused from now on, and open connections using it close."""
        claims = self.claims(token)
        if claims is None:
            return
        remaining = max(1, int(claims["exp"] - time.time()) + 1)
        change = AccessChanged(
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            user_id=user.id,
            reason=AccessChangeReason.TOKEN_REVOKED,
            token_id=claims["jti"],
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(revoked_token_key(claims["jti"]), "1", ex=remaining)
            pipe.xadd(
                ACCESS_STREAM_KEY,
                {STREAM_ENTRY_FIELD: change.model_dump_json()},
                maxlen=ACCESS_STREAM_MAXLEN,
                approximate=True,
            )
            await pipe.execute()
