"""In production the realtime service refuses the secrets Django's production settings refuse (SEC-16)."""

import secrets

import pytest
from pydantic import SecretStr

from waybill_realtime.config import Settings


def production(secret: str) -> Settings:
    return Settings(
        environment="production",
        secret_key=SecretStr(secret),
        database_url="postgresql://x@localhost/x",
        redis_url="redis://localhost:6379/0",
    )


@pytest.mark.parametrize(
    "secret",
    ["a" * 32, secrets.token_urlsafe(64)[:49], "dev-insecure-" + "x" * 60, "test-insecure-" + "x" * 60],
)
def test_a_short_or_placeholder_secret_stops_a_production_replica(secret: str) -> None:
    with pytest.raises(ValueError, match="50\\+ characters in production"):
        production(secret)


def test_a_random_secret_of_fifty_characters_is_accepted_in_production() -> None:
    secret = secrets.token_urlsafe(64)[:50]

    assert production(secret).secret_key.get_secret_value() == secret


def test_a_replica_started_without_environment_is_held_to_production_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)

    with pytest.raises(ValueError, match="50\\+ characters in production"):
        Settings(
            secret_key=SecretStr("dev-insecure-key"),
            database_url="postgresql://x@localhost/x",
            redis_url="redis://localhost:6379/0",
        )
