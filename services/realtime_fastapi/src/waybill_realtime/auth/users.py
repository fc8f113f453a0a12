"""fastapi-users wired to Django's user table, read-only, with the service's JWTs (auth/tokens.py)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, IntegerIDMixin
from fastapi_users.authentication import AuthenticationBackend, BearerTransport
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from waybill_realtime.auth.accounts import Account, DjangoUserDatabase, RawUserDatabase
from waybill_realtime.auth.passwords import DjangoPasswordHelper
from waybill_realtime.auth.tokens import Credential, TokenStrategy
from waybill_realtime.config import Settings
from waybill_realtime.resources import Resources, get_resources, get_session

__all__ = [
    "Account",
    "Credential",
    "UserManager",
    "credential_from_token",
    "current_active_user",
    "fastapi_users",
]


class UserManager(IntegerIDMixin, BaseUserManager[Account, int]):
    async def authenticate(self, credentials: OAuth2PasswordRequestForm) -> Account | None:
        # PBKDF2 with Django's iteration count takes a good fraction of a second: keep it off the event loop,
        # which also carries every WebSocket of this replica.
        user = await self.user_db.get_by_email(credentials.username)
        if user is None:
            await asyncio.to_thread(self.password_helper.hash, credentials.password)  # same timing as a miss
            return None
        verified, _ = await asyncio.to_thread(
            self.password_helper.verify_and_update, credentials.password, user.hashed_password
        )
        return user if verified else None


def token_strategy(settings: Settings, redis: "Redis") -> TokenStrategy:
    return TokenStrategy(
        secret_key=settings.secret_key.get_secret_value(),
        lifetime_seconds=settings.jwt_lifetime_seconds,
        redis=redis,
    )


def _get_strategy(connection: HTTPConnection) -> TokenStrategy:
    resources = get_resources(connection)
    return token_strategy(resources.settings, resources.redis)


def user_manager(session: AsyncSession) -> UserManager:
    return UserManager(DjangoUserDatabase(session), DjangoPasswordHelper())


async def _get_user_manager(
    session: Annotated[AsyncSession, Depends(get_session)],
) -> AsyncIterator[UserManager]:
    yield user_manager(session)


auth_backend: AuthenticationBackend[Account, int] = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=_get_strategy,
)

fastapi_users = FastAPIUsers[Account, int](_get_user_manager, [auth_backend])

current_active_user = fastapi_users.current_user(active=True)
"""Dependency: the signed-in user, re-read from the database on every request (401 if inactive or revoked)."""


async def credential_from_token(token: str, resources: Resources) -> Credential | None:
    """The verified token of an active user, or None (for the WebSocket, which has no dependency injection)."""
    manager = UserManager(RawUserDatabase(resources.raw_pool), DjangoPasswordHelper())
    return await token_strategy(resources.settings, resources.redis).read_credential(token, manager)
