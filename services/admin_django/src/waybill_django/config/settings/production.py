"""Production: secure defaults; every secret comes from the environment."""

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

if not _SECRET_KEY or _SECRET_KEY.startswith(("dev-insecure", "test-insecure")) or len(_SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# EMAIL_URL: smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_email_url = urlsplit(os.environ.get("EMAIL_URL", ""))
if _email_url.scheme not in {"smtp", "smtps"} or not _email_url.hostname:
    raise ImproperlyConfigured("EMAIL_URL must be smtp://user:password@host:port or smtps://...")
EMAIL_HOST = _email_url.hostname
EMAIL_PORT = _email_url.port or (465 if _email_url.scheme == "smtps" else 587)
EMAIL_HOST_USER = unquote(_email_url.username or "")
EMAIL_HOST_PASSWORD = unquote(_email_url.password or "")
EMAIL_USE_TLS = _email_url.scheme == "smtp"
EMAIL_USE_SSL = _email_url.scheme == "smtps"
