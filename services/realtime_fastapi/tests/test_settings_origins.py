"""The WebSocket Origin allowed by default in development is the dashboard's, on whatever port it runs."""

import pytest

from waybill_realtime.config import Settings


def development_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in {
        "ENVIRONMENT": "development",
        "DATABASE_URL": "postgresql://localhost/waybill",
        "REDIS_URL": "redis://localhost:6379/0",
        "SECRET_KEY": "dev-insecure-key",
        "WS_ALLOWED_ORIGINS": "",
        **env,
    }.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_the_dashboard_on_another_port_is_an_allowed_origin_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = development_settings(monkeypatch, DJANGO_PORT="18000")

    assert settings.ws_allowed_origins == ("http://localhost:18000", "http://127.0.0.1:18000")


def test_explicit_origins_replace_the_development_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = development_settings(monkeypatch, WS_ALLOWED_ORIGINS="https://app.example, https://b.example")

    assert settings.ws_allowed_origins == ("https://app.example", "https://b.example")
