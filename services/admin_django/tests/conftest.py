import os
import secrets
from collections.abc import Callable, Iterator

import pytest
import redis
from django.core.cache import cache

from waybill_contracts.enums import Role
from waybill_contracts.personas import TEAM, TEST_DOMAIN
from waybill_contracts.signin import FAILURES_KEY_PATTERN, TOTP_USED_PATTERN
from waybill_django.accounts.models import User
from waybill_django.fleet.models import Vehicle
from waybill_django.organizations.models import Membership, Organization


@pytest.fixture(autouse=True)
def _empty_cache(redis_url: str) -> Iterator[None]:
    """Rate-limit counters live in the cache and (shared with the realtime service) in Redis: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
    client = redis.Redis.from_url(redis_url)
    for pattern in (FAILURES_KEY_PATTERN, TOTP_USED_PATTERN):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.close()


# Variables of the process's environment that the settings read and a test states itself.
DEPLOYMENT_VARIABLES = (
    "MEDIA_ROOT",
    "MEDIA_BUCKET",
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
    "TRUSTED_PROXY_COUNT",
    "AWS_REGION",
    "EMAIL_URL",
)


@pytest.fixture
def production_env() -> dict[str, str]:
    """The environment of a production process (S3 uploads), without the machine's own deployment values."""
    return {
        **{name: value for name, value in os.environ.items() if name not in DEPLOYMENT_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_URL": "smtps://mailer:pw@smtp.example.test:465",
        "ALLOWED_HOSTS": "waybill.example.test",
        "SITE_URL": "https://waybill.example.test",
        "DEFAULT_FROM_EMAIL": "Waybill <no-reply@waybill.example.test>",
        "MEDIA_BUCKET": "waybill-media",
        "AWS_REGION": "eu-central-1",
    }


@pytest.fixture
def organization(db: None) -> Organization:
    return Organization.objects.create(name="Acme Freight", slug="acme")


@pytest.fixture
def make_member(organization: Organization) -> Callable[..., User]:
    def make(role: Role, email: str | None = None, org: Organization | None = None) -> User:
        user = User.objects.create_user(email or TEAM[role].email(TEST_DOMAIN), "correct horse battery")
        Membership.objects.create(user=user, organization=org or organization, role=role)
        return user

    return make


@pytest.fixture
def dispatcher(make_member: Callable[..., User]) -> User:
    return make_member(Role.DISPATCHER)


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_superuser("staff@waybill.test", "correct horse battery")


@pytest.fixture
def other_organization(db: None) -> Organization:
    return Organization.objects.create(name="Other Haulage", slug="other")


@pytest.fixture
def driver(make_member: Callable[..., User]) -> User:
    return make_member(Role.DRIVER)


@pytest.fixture
def truck(organization: Organization, driver: User) -> Vehicle:
    return Vehicle.unscoped.create(organization=organization, plate="TRK-1", label="Truck", driver=driver)
