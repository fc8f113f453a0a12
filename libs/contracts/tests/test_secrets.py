"""The production secret rule both web services apply (CODE-10, SEC-16)."""

import secrets

import pytest

from waybill_contracts.secrets import is_production_secret


@pytest.mark.parametrize(
    "secret",
    ["", "a" * 49, "dev-insecure-" + "x" * 60, "test-insecure-" + "x" * 60],
)
def test_a_short_or_marked_development_secret_is_refused(secret: str) -> None:
    assert not is_production_secret(secret)


def test_a_random_secret_of_fifty_characters_is_accepted() -> None:
    assert is_production_secret(secrets.token_urlsafe(64)[:50])
