from collections.abc import Callable

import pytest

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership, Organization


@pytest.fixture
def organization(db: None) -> Organization:
    return Organization.objects.create(name="Acme Freight", slug="acme")


@pytest.fixture
def make_member(organization: Organization) -> Callable[..., User]:
    def make(role: Role, email: str | None = None, org: Organization | None = None) -> User:
        user = User.objects.create_user(email or f"{role.value}@acme.test", "correct horse battery")
        Membership.objects.create(user=user, organization=org or organization, role=role)
        return user

    return make


@pytest.fixture
def dispatcher(make_member: Callable[..., User]) -> User:
    return make_member(Role.DISPATCHER)


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_superuser("staff@waybill.test", "correct horse battery")
