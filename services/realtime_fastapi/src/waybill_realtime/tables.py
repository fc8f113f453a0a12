"""The Django-owned tables this service reads, mapped for SQLAlchemy.

Django's migrations create and change these tables; this module maps only the
columns the service uses, and ``tests/test_tables.py`` fails when a mapping
disagrees with the migrated database. Never create or migrate them from here.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Double, ForeignKey, Integer, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    """A row of Django's custom user model (email sign-in)."""

    __tablename__ = "accounts_user"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password: Mapped[str] = mapped_column(String(128))
    full_name: Mapped[str] = mapped_column(String(150))
    is_active: Mapped[bool] = mapped_column(Boolean)
    is_superuser: Mapped[bool] = mapped_column(Boolean)
    token_version: Mapped[int] = mapped_column(Integer)


class EmailAddress(Base):
    """allauth's email addresses: sign-in needs the account's address verified."""

    __tablename__ = "account_emailaddress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts_user.id"))
    email: Mapped[str] = mapped_column(String(254))
    verified: Mapped[bool] = mapped_column(Boolean)


class Authenticator(Base):
    """allauth's second factors: a ``totp`` row holds the TOTP secret (``data["secret"]``)."""

    __tablename__ = "mfa_authenticator"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts_user.id"))
    type: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, object]] = mapped_column(JSONB)


class Organization(Base):
    __tablename__ = "organizations_organization"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(50), unique=True)


class Membership(Base):
    __tablename__ = "organizations_membership"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts_user.id"))
    organization_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations_organization.id"))
    role: Mapped[str] = mapped_column(String(20))


class Vehicle(Base):
    __tablename__ = "fleet_vehicle"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations_organization.id"))
    driver_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts_user.id"))
    active: Mapped[bool] = mapped_column(Boolean)


class Position(Base):
    """Telemetry pings; this service is their only writer (in batches, see ``telemetry/store.py``)."""

    __tablename__ = "fleet_position"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("fleet_vehicle.id"))
    organization_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations_organization.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latitude: Mapped[float] = mapped_column(Double)
    longitude: Mapped[float] = mapped_column(Double)
    speed_kmh: Mapped[float | None] = mapped_column(Double)
    heading: Mapped[float | None] = mapped_column(Double)


class Shipment(Base):
    __tablename__ = "shipments_shipment"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations_organization.id"))
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    vehicle_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("fleet_vehicle.id"))
    eta: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Written by the worker from the vehicle's positions."""


class TrackingEvent(Base):
    """A shipment's timeline entry (Django writes them with each workflow step)."""

    __tablename__ = "shipments_trackingevent"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("shipments_shipment.id"))
    status: Mapped[str] = mapped_column(String(20))
    previous_status: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Job(Base):
    __tablename__ = "jobs_job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("organizations_organization.id"))
