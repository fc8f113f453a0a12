"""Production: secure defaults; every secret comes from the environment."""

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from waybill_contracts.secrets import SIGNING_KEY_RULE, is_production_secret

from .base import *  # noqa: F403 - a settings module extends base by star import (Django convention)
from .base import MEDIA_BUCKET, STORAGES, WEBHOOKS_ALLOW_PRIVATE_TARGETS, required
from .base import SECRET_KEY as _SECRET_KEY

if not is_production_secret(_SECRET_KEY or ""):
    raise ImproperlyConfigured(SIGNING_KEY_RULE)
SECRET_KEY = _SECRET_KEY

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true") == "true"
# The probes call /healthz and /readyz over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# The Django and worker pods share no disk: uploads need a volume both mount, or a bucket.
if not MEDIA_BUCKET and not os.environ.get("MEDIA_ROOT"):
    raise ImproperlyConfigured(
        "Set MEDIA_BUCKET (an S3 bucket) or MEDIA_ROOT (a directory Django and the worker share) "
        "for uploaded files."
    )
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Links in emails, and the sender: a verified address of this deployment, never a default.
SITE_URL = required("SITE_URL").rstrip("/")
if urlsplit(SITE_URL).scheme not in {"http", "https"} or not urlsplit(SITE_URL).hostname:
    raise ImproperlyConfigured(f"SITE_URL must be the site's public address, https://host; not {SITE_URL!r}.")
DEFAULT_FROM_EMAIL = required("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The browser opens the WebSocket on the page's own origin: the Ingress routes /ws to realtime.
REALTIME_BROWSER_PORT = None
# The cluster's egress lets only HTTPS on port 443 out. A stack on one machine that
# sends to a receiver there (WEBHOOKS_ALLOW_PRIVATE_TARGETS, base.py) has no such policy.
WEBHOOKS_HTTPS_443_ONLY = not WEBHOOKS_ALLOW_PRIVATE_TARGETS

# EMAIL_URL: smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS),
# or smtp+plain://host:1025 (no TLS: only for a mail server on the same private network).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_email_url = urlsplit(os.environ.get("EMAIL_URL", ""))
_email_default_ports = {"smtp": 587, "smtps": 465, "smtp+plain": 25}
if _email_url.scheme not in _email_default_ports or not _email_url.hostname:
    raise ImproperlyConfigured(
        "EMAIL_URL must be smtp://user:password@host:port (STARTTLS), smtps://... (TLS) "
        "or smtp+plain://host:port (no TLS)."
    )
EMAIL_HOST = _email_url.hostname
EMAIL_PORT = _email_url.port or _email_default_ports[_email_url.scheme]
EMAIL_HOST_USER = unquote(_email_url.username or "")
EMAIL_HOST_PASSWORD = unquote(_email_url.password or "")
EMAIL_USE_TLS = _email_url.scheme == "smtp"
EMAIL_USE_SSL = _email_url.scheme == "smtps"
