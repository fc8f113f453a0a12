"""The Django-owned tables this service reads, mapped for SQLAlchemy.

Django's migrations create and change these tables; this module maps only the
columns the service uses, and ``tests/test_tables.py`` fails when a mapping
disagrees with the migrated database. Never create or migrate them from here.
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
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
