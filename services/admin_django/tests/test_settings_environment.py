"""What the settings make of the environment, read as each process reads it: in a fresh interpreter."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

READ = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "storage": type(storage).__module__ + "." + type(storage).__name__,
    "location": str(getattr(storage, "location", "")),
    "bucket": getattr(storage, "bucket_name", None),
    "region": getattr(storage, "region_name", None),
    "acl": getattr(storage, "default_acl", "n/a"),
    "querystring_auth": getattr(storage, "querystring_auth", None),
    "site_url": settings.SITE_URL,
    "from": settings.DEFAULT_FROM_EMAIL,
    "allauth_proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "browser_port": settings.REALTIME_BROWSER_PORT,
    "https_443_only": settings.WEBHOOKS_HTTPS_443_ONLY,
    "email": [settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL],
}))
"""


def load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", READ], env=env, capture_output=True, text=True, check=False)


def settings_of(env: dict[str, str], **changes: str) -> dict[str, object]:
    result = load({**env, **changes})
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def refusal_of(env: dict[str, str], **changes: str) -> str:
    result = load({**env, **changes})
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture
def local_env(production_env: dict[str, str]) -> dict[str, str]:
    deployment_only = {"MEDIA_BUCKET", "SITE_URL", "DEFAULT_FROM_EMAIL", "EMAIL_URL"}
    return {
        **{name: value for name, value in production_env.items() if name not in deployment_only},
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.local",
    }


def test_production_keeps_uploads_in_the_s3_bucket_private_with_the_pods_credentials(
    production_env: dict[str, str],
) -> None:
    loaded = settings_of(production_env)

    assert loaded["storage"] == "storages.backends.s3.S3Storage"
    assert (loaded["bucket"], loaded["region"]) == ("waybill-media", "eu-central-1")
    # No ACL header (a bucket with ACLs disabled refuses one) and no signed URLs: a view serves files.
    assert (loaded["acl"], loaded["querystring_auth"]) == (None, False)


def test_production_keeps_uploads_in_a_shared_directory_when_given_one(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    loaded = settings_of(production_env, MEDIA_BUCKET="", MEDIA_ROOT=str(tmp_path))

    assert loaded["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert loaded["location"] == str(tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MEDIA_BUCKET": ""}, "Set MEDIA_BUCKET (an S3 bucket) or MEDIA_ROOT"),
        ({"MEDIA_ROOT": "/srv/media"}, "Set MEDIA_ROOT (a shared directory) or MEDIA_BUCKET (S3), not both"),
        ({"SITE_URL": ""}, "The environment variable SITE_URL must be set"),
        ({"SITE_URL": "waybill.example.test"}, "SITE_URL must be the site's public address"),
        ({"DEFAULT_FROM_EMAIL": ""}, "The environment variable DEFAULT_FROM_EMAIL must be set"),
        ({"EMAIL_URL": "smtp+tls://mail:25"}, "EMAIL_URL must be smtp://"),
    ],
    ids=["no storage", "two storages", "no site url", "site url without scheme", "no sender", "bad email"],
)
def test_production_refuses_to_start_without_what_it_cannot_guess(
    production_env: dict[str, str], change: dict[str, str], message: str
) -> None:
    assert message in refusal_of(production_env, **change)


def test_production_sends_mail_as_configured_and_websockets_on_the_pages_own_origin(
    production_env: dict[str, str],
) -> None:
    loaded = settings_of(production_env)

    assert (loaded["site_url"], loaded["from"]) == (
        "https://waybill.example.test",
        "Waybill <no-reply@waybill.example.test>",
    )
    assert loaded["browser_port"] is None
    assert loaded["https_443_only"] is True


@pytest.mark.parametrize(
    ("email_url", "expected"),
    [
        ("smtp://u:p@mail.example.test", ["mail.example.test", 587, True, False]),
        ("smtps://u:p@mail.example.test", ["mail.example.test", 465, False, True]),
        ("smtp+plain://mailpit:1025", ["mailpit", 1025, False, False]),
    ],
    ids=["starttls", "implicit tls", "plain"],
)
def test_the_email_url_scheme_chooses_the_transport_security(
    production_env: dict[str, str], email_url: str, expected: list[object]
) -> None:
    assert settings_of(production_env, EMAIL_URL=email_url)["email"] == expected


def test_the_trusted_proxy_count_reaches_allauths_rate_limits(
    production_env: dict[str, str], local_env: dict[str, str]
) -> None:
    assert settings_of(local_env)["allauth_proxies"] == 0
    assert settings_of(local_env, TRUSTED_PROXY_COUNT="1")["allauth_proxies"] == 1
    assert settings_of(production_env, TRUSTED_PROXY_COUNT="2")["allauth_proxies"] == 2


def test_local_development_keeps_http_webhooks_and_the_realtime_port(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    loaded = settings_of(local_env, REALTIME_PORT="18001", MEDIA_ROOT=str(tmp_path))

    assert (loaded["browser_port"], loaded["https_443_only"]) == (18001, False)
    assert loaded["location"] == str(tmp_path)
