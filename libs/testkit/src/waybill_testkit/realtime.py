"""Test support: named personas in a migrated database, and events appended as Django's relay does.

Used by this service's tests and the benchmarks; the running service never imports it.
"""

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from waybill_contracts import personas
from waybill_contracts.access import (
    ACCESS_STREAM_KEY,
    ACCESS_STREAM_MAXLEN,
    AccessChanged,
    AccessChangeReason,
)
from waybill_contracts.channels import ORG_STREAM_MAXLEN, STREAM_ENTRY_FIELD, org_stream_key
from waybill_contracts.enums import Role, ShipmentStatus
from waybill_contracts.events import Event, ShipmentCreated
from waybill_contracts.tickets import WS_TICKET_TTL_SECONDS, WsTicket, ws_ticket_key
from waybill_realtime.auth.passwords import make_django_password
from waybill_realtime.client import RealtimeClient

PASSWORD = "correct horse battery staple"  # noqa: S105  # the personas' test password


# Django's hasher format with fewer iterations than its default, for speed.
PERSONA_HASH_ITERATIONS = 1000


@dataclass(frozen=True)
class Personas:
    """Acme has an owner, a dispatcher, a driver, a viewer and a deactivated driver; Globex, another
    organization, a viewer.

    Vehicles: Acme's van is driven by Acme's driver, Acme's truck by nobody, Globex has a van.
    """

    database_url: str
    acme_id: int
    globex_id: int
    acme_owner: str = personas.OWNER.email(personas.TEST_DOMAIN)
    acme_dispatcher: str = personas.DISPATCHER.email(personas.TEST_DOMAIN)
    acme_driver: str = personas.DRIVER.email(personas.TEST_DOMAIN)
    acme_viewer: str = personas.VIEWER.email(personas.TEST_DOMAIN)
    acme_inactive_driver: str = personas.INACTIVE_DRIVER.email(personas.TEST_DOMAIN)
    globex_viewer: str = personas.VIEWER.email(personas.OTHER_TEST_DOMAIN)
    password: str = PASSWORD
    acme_van: int = 0
    acme_truck: int = 0
    globex_van: int = 0

    @classmethod
    async def create(cls, database_url: str) -> "Personas":
        async with _connection(database_url) as connection:
            acme = await _organization(connection, "Acme")
            globex = await _organization(connection, "Globex")
            personas = cls(database_url, acme, globex)
            await _member(connection, personas.acme_owner, acme, Role.OWNER)
            await _member(connection, personas.acme_dispatcher, acme, Role.DISPATCHER)
            driver = await _member(connection, personas.acme_driver, acme, Role.DRIVER)
            await _member(connection, personas.acme_viewer, acme, Role.VIEWER)
            await _member(connection, personas.acme_inactive_driver, acme, Role.DRIVER, active=False)
            await _member(connection, personas.globex_viewer, globex, Role.VIEWER)
            return replace(
                personas,
                acme_van=await _vehicle(connection, acme, "ACME-VAN", driver),
                acme_truck=await _vehicle(connection, acme, "ACME-TRUCK", None),
                globex_van=await _vehicle(connection, globex, "GLOBEX-VAN", None),
            )

    async def add_shipment(
        self,
        organization_id: int,
        *,
        status: ShipmentStatus = ShipmentStatus.IN_TRANSIT,
        vehicle_id: int | None = None,
        reference: str | None = None,
    ) -> "ShipmentRow":
        """A shipment with a timeline from ``draft`` to ``status`` (one tracking event per step, a minute apart)."""
        reference = reference or f"WB-{secrets.token_hex(4)}"
        code = secrets.token_urlsafe(12)
        async with _connection(self.database_url) as connection:
            insert = text(
                "INSERT INTO shipments_shipment (organization_id, reference, tracking_code, customer_name,"
                " customer_email, origin_address, destination_address, status, status_before_exception,"
                " exception_reason, parcels, vehicle_id, created_at, updated_at) VALUES (:org, :reference, :code,"
                " 'Jane Customer', 'jane@example.test', '1 Dock Road', '9 High Street', :status, '', '', 1,"
                " :vehicle, now(), now()) RETURNING id"
            )
            values = {
                "org": organization_id,
                "reference": reference,
                "code": code,
                "status": status.value,
                "vehicle": vehicle_id,
            }
            shipment_id = int((await connection.execute(insert, values)).scalar_one())
            steps = _STEPS[: _STEPS.index(status) + 1] if status in _STEPS else [ShipmentStatus.DRAFT, status]
            for minute, (previous, current) in enumerate(zip([None, *steps], steps, strict=False)):
                await connection.execute(
                    text(
                        "INSERT INTO shipments_trackingevent (shipment_id, organization_id, status,"
                        " previous_status, note, occurred_at)"
                        " VALUES (:shipment, :org, :status, :previous, 'internal note', :at)"
                    ),
                    {
                        "shipment": shipment_id,
                        "org": organization_id,
                        "status": current.value,
                        "previous": previous.value if previous else "",
                        "at": _TIMELINE_START + timedelta(minutes=minute),
                    },
                )
        return ShipmentRow(shipment_id, code, reference)

    async def position_count(self, vehicle_id: int) -> int:
        async with _connection(self.database_url) as connection:
            query = text("SELECT count(*) FROM fleet_position WHERE vehicle_id = :vehicle")
            return int((await connection.execute(query, {"vehicle": vehicle_id})).scalar_one())

    async def set_eta(self, shipment_id: int, eta: datetime) -> None:
        """Store an estimate, as the worker does."""
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text("UPDATE shipments_shipment SET eta = :eta WHERE id = :id"),
                {"eta": eta, "id": shipment_id},
            )

    async def deactivate(self, email: str) -> None:
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text("UPDATE accounts_user SET is_active = false WHERE email = :email"), {"email": email}
            )

    async def remove_membership(self, email: str, organization_id: int) -> None:
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text(
                    "DELETE FROM organizations_membership WHERE organization_id = :org"
                    " AND user_id = (SELECT id FROM accounts_user WHERE email = :email)"
                ),
                {"email": email, "org": organization_id},
            )

    async def revoke_tokens(self, email: str) -> None:
        """What a password change does to the user's row."""
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text("UPDATE accounts_user SET token_version = token_version + 1 WHERE email = :email"),
                {"email": email},
            )

    async def unverify(self, email: str) -> None:
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text("UPDATE account_emailaddress SET verified = false WHERE email = :email"),
                {"email": email},
            )

    async def enable_totp(self, email: str, secret: str) -> None:
        """A TOTP authenticator, stored as allauth stores one (its secret is not encrypted by default)."""
        async with _connection(self.database_url) as connection:
            await connection.execute(
                text(
                    "INSERT INTO mfa_authenticator (user_id, type, data, created_at)"
                    " SELECT id, 'totp', CAST(:data AS jsonb), now() FROM accounts_user WHERE email = :email"
                ),
                {"email": email, "data": json.dumps({"secret": secret})},
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


_STEPS = [
    ShipmentStatus.DRAFT,
    ShipmentStatus.BOOKED,
    ShipmentStatus.ASSIGNED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.DELIVERED,
]
_TIMELINE_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ShipmentRow:
    id: int
    tracking_code: str
    reference: str


async def _vehicle(
    connection: AsyncConnection, organization_id: int, plate: str, driver_id: int | None
) -> int:
    query = text(
        "INSERT INTO fleet_vehicle (organization_id, plate, label, capacity_kg, active, driver_id, created_at)"
        " VALUES (:org, :plate, '', NULL, true, :driver, now()) RETURNING id"
    )
    values = {"org": organization_id, "plate": plate, "driver": driver_id}
    return int((await connection.execute(query, values)).scalar_one())


async def _member(
    connection: AsyncConnection, email: str, organization_id: int, role: Role, *, active: bool = True
) -> int:
    user = text(
        "INSERT INTO accounts_user (password, last_login, is_superuser, email, full_name, is_active, is_staff,"
        " date_joined) VALUES (:password, NULL, false, :email, :full_name, :active, false, now()) RETURNING id"
    )
    values = {
        "password": make_django_password(PASSWORD, iterations=PERSONA_HASH_ITERATIONS),
        "email": email,
        "full_name": email.split("@")[0].title(),
        "active": active,
    }
    user_id = (await connection.execute(user, values)).scalar_one()
    # Verified, as allauth records it once the person followed the link: sign-in requires it.
    await connection.execute(
        text(
            'INSERT INTO account_emailaddress (user_id, email, verified, "primary") VALUES (:user_id, :email, true, true)'
        ),
        {"user_id": user_id, "email": email},
    )
    membership = text(
        "INSERT INTO organizations_membership (role, created_at, user_id, organization_id)"
        " VALUES (:role, now(), :user_id, :organization_id)"
    )
    await connection.execute(
        membership, {"role": role.value, "user_id": user_id, "organization_id": organization_id}
    )
    return int(user_id)


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

    async def change_access(
        self, *, user_id: int, reason: AccessChangeReason, organization_id: int | None = None
    ) -> str:
        """Append an access change to the access stream, as Django's outbox relay does."""
        change = AccessChanged(
            event_id=uuid.uuid4(),
            occurred_at=datetime.now(UTC),
            user_id=user_id,
            reason=reason,
            organization_id=organization_id,
        )
        stream_id = await self.redis.xadd(
            ACCESS_STREAM_KEY,
            {STREAM_ENTRY_FIELD: change.model_dump_json()},
            maxlen=ACCESS_STREAM_MAXLEN,
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
