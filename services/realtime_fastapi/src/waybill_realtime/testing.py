"""Test support: named personas in a migrated database, and events appended as Django's relay does.

Used by this service's tests and the benchmarks; the running service never imports it.
"""

import base64
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from waybill_contracts.channels import ORG_STREAM_MAXLEN, STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import Event, ShipmentCreated
from waybill_contracts.tickets import WS_TICKET_TTL_SECONDS, WsTicket, ws_ticket_key
from waybill_realtime.client import RealtimeClient

PASSWORD = "correct horse battery staple"  # noqa: S105  # the personas' test password


def django_pbkdf2_sha256(password: str, *, iterations: int = 1000) -> str:
    """What Django's PBKDF2PasswordHasher stores (fewer iterations than Django's default, for speed)."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


@dataclass(frozen=True)
class Personas:
    """Acme has a dispatcher and a deactivated driver; Globex, another organization, has a viewer."""

    database_url: str
    acme_id: int
    globex_id: int
    acme_dispatcher: str = "dispatcher@acme.test"
    acme_inactive_driver: str = "inactive@acme.test"
    globex_viewer: str = "viewer@globex.test"
    password: str = PASSWORD

    @classmethod
    async def create(cls, database_url: str) -> "Personas":
        async with _connection(database_url) as connection:
            acme = await _organization(connection, "Acme")
            globex = await _organization(connection, "Globex")
            personas = cls(database_url, acme, globex)
            await _member(connection, personas.acme_dispatcher, acme, Role.DISPATCHER)
            await _member(connection, personas.acme_inactive_driver, acme, Role.DRIVER, active=False)
            await _member(connection, personas.globex_viewer, globex, Role.VIEWER)
        return personas

    async def deactivate(self, email: str) -> None:
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text("UPDATE accounts_user SET is_active = false WHERE email = :email"), {"email": email}
            )

    async def user_id(self, email: str) -> int:
        async with _connection(self.database_url) as connection:
            query = text("SELECT id FROM accounts_user WHERE email = :email")
            return int((await connection.execute(query, {"email": email})).scalar_one())

    async def password_hash(self, email: str) -> str:
        async with _connection(self.database_url) as connection:
            query = text("SELECT password FROM accounts_user WHERE email = :email")
            return str((await connection.execute(query, {"email": email})).scalar_one())


@asynccontextmanager
async def _connection(database_url: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine("postgresql+asyncpg://" + database_url.partition("://")[2])
    try:
        async with engine.begin() as connection:
            yield connection
    finally:
        await engine.dispose()


async def _organization(connection: AsyncConnection, name: str) -> int:
    query = text(
        "INSERT INTO organizations_organization (name, slug, created_at) VALUES (:name, :slug, now()) RETURNING id"
    )
    return int((await connection.execute(query, {"name": name, "slug": name.lower()})).scalar_one())


async def _member(
    connection: AsyncConnection, email: str, organization_id: int, role: Role, *, active: bool = True
) -> None:
    user = text(
        "INSERT INTO accounts_user (password, last_login, is_superuser, email, full_name, is_active, is_staff,"
        " date_joined) VALUES (:password, NULL, false, :email, :full_name, :active, false, now()) RETURNING id"
    )
    values = {
        "password": django_pbkdf2_sha256(PASSWORD),
        "email": email,
        "full_name": email.split("@")[0].title(),
        "active": active,
    }
    user_id = (await connection.execute(user, values)).scalar_one()
    membership = text(
        "INSERT INTO organizations_membership (role, created_at, user_id, organization_id)"
        " VALUES (:role, now(), :user_id, :organization_id)"
    )
    await connection.execute(
        membership, {"role": role.value, "user_id": user_id, "organization_id": organization_id}
    )


@dataclass(frozen=True)
class EventStreams:
    """Appends events to organization streams as Django's outbox relay does, and issues tickets as Django does."""

    redis: "Redis"

    async def publish(self, organization_id: int, reference: str = "WB-1") -> str:
        """Append a ``shipment.created`` event; returns its stream id."""
        event = ShipmentCreated(
            event_id=uuid.uuid4(),
            organization_id=organization_id,
            occurred_at=datetime.now(UTC),
            shipment_id=1,
            reference=reference,
            status=ShipmentStatus.DRAFT,
        )
        return await self.append(event)

    async def append(self, event: Event) -> str:
        stream_id = await self.redis.xadd(
            org_stream_key(event.organization_id),
            {STREAM_ENTRY_FIELD: event.model_dump_json()},
            maxlen=ORG_STREAM_MAXLEN,
            approximate=True,
        )
        return str(stream_id)

    async def issue_ticket(self, *, user_id: int, organization_id: int) -> str:
        """A browser ticket, stored the way Django issues one (see ``waybill_contracts.tickets``)."""
        ticket = secrets.token_urlsafe(32)
        value = WsTicket(user_id=user_id, organization_id=organization_id).model_dump_json()
        await self.redis.set(ws_ticket_key(ticket), value, ex=WS_TICKET_TTL_SECONDS)
        return ticket


class StartRealtime(Protocol):
    """Starts a ``waybill-realtime`` replica; keyword arguments become its environment variables."""

    def __call__(self, database_url: str, **settings: str) -> RealtimeClient: ...
