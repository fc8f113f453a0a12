"""fastapi-users wired to Django's user table, read-only, with JWTs."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, IntegerIDMixin
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import BaseUserDatabase
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from waybill_realtime.auth.passwords import DjangoPasswordHelper
from waybill_realtime.resources import Resources, get_resources, get_session
from waybill_realtime.tables import User

TOKEN_AUDIENCE: Final = ["waybill:realtime"]


@dataclass
class Account:
    """A signed-in user, as fastapi-users sees one (a snapshot of the ``accounts_user`` row)."""

    id: int
    email: str
    full_name: str
    hashed_password: str
    is_active: bool
    is_superuser: bool
    # Verifying email addresses is Django's (allauth) business: whoever may sign in there may sign in here.
    is_verified: bool = True

    @classmethod
    def from_row(cls, user: User) -> "Account":
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            hashed_password=user.password,
            is_active=user.is_active,
            is_superuser=user.is_superuser,
        )


class DjangoUserDatabase(BaseUserDatabase[Account, int]):
    """Reads users; creating, changing and deleting them is Django's job (the base class refuses)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id: int) -> Account | None:
        user = await self.session.get(User, id)
        return Account.from_row(user) if user is not None else None

    async def get_by_email(self, email: str) -> Account | None:
        query = select(User).where(func.lower(User.email) == email.strip().lower()).order_by(User.id).limit(1)
        user = (await self.session.scalars(query)).first()
        return Account.from_row(user) if user is not None else None


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


def jwt_strategy(resources: Resources) -> JWTStrategy[Account, int]:
    settings = resources.settings
    return JWTStrategy(
        secret=settings.secret_key.get_secret_value(),
        lifetime_seconds=settings.jwt_lifetime_seconds,
        token_audience=TOKEN_AUDIENCE,
    )


def _get_strategy(connection: HTTPConnection) -> JWTStrategy[Account, int]:
    return jwt_strategy(get_resources(connection))


async def _get_user_manager(
    session: Annotated[AsyncSession, Depends(get_session)],
) -> AsyncIterator[UserManager]:
    yield UserManager(DjangoUserDatabase(session), DjangoPasswordHelper())


auth_backend: AuthenticationBackend[Account, int] = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=_get_strategy,
)

fastapi_users = FastAPIUsers[Account, int](_get_user_manager, [auth_backend])

current_active_user = fastapi_users.current_user(active=True)
"""Dependency: the signed-in user, re-read from the database on every request (401 if inactive)."""


async def user_from_token(token: str, resources: Resources) -> Account | None:
    """The active user a JWT names, or None (for the WebSocket, which has no dependency injection)."""
    async with resources.sessions() as session:
        manager = UserManager(DjangoUserDatabase(session), DjangoPasswordHelper())
        user = await jwt_strategy(resources).read_token(token, manager)
    return user if user is not None and user.is_active else None
