"""Django's users as fastapi-users sees them: read-only snapshots of ``accounts_user`` rows."""

from dataclasses import dataclass
from typing import Any, Final

from fastapi_users.db import BaseUserDatabase
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_realtime.db import raw_connection
from waybill_realtime.tables import User

# Columns named as ``Account``'s fields, so a row becomes one without a second list of them.
ACCOUNT_BY_ID: Final = (
    "SELECT id, email, full_name, password AS hashed_password, is_active, is_superuser, token_version"
    " FROM accounts_user WHERE id = $1"
)


@dataclass
class Account:
    """A signed-in user (a snapshot of the ``accounts_user`` row)."""

    id: int
    email: str
    full_name: str
    hashed_password: str
    is_active: bool
    is_superuser: bool
    token_version: int
    # fastapi-users' own check; sign-in checks the verified primary address itself (auth/policy.py).
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
            token_version=user.token_version,
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


class RawUserDatabase(BaseUserDatabase[Account, int]):
    """Reads a user by id on the raw asyncpg pool (decision 0213): the WebSocket's sign-in, once per connection.

    One prepared statement, no session, no pre-ping, no ``BEGIN``/``ROLLBACK`` around it.
    """

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def get(self, id: int) -> Account | None:
        async with raw_connection(self._pool) as connection:
            row = await connection.fetchrow(ACCOUNT_BY_ID, id)
        return Account(**dict(row.items())) if row is not None else None
