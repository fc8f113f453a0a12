"""Settings shared by every environment; each variable is read here, once."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets runtime code subscript Django's generic classes (ModelAdmin[Shipment]) as the type stubs do.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parents[2]


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set (see the README).")
    return value


def listed(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = listed("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = listed("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "waybill_django.config.apps.WaybillAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "waybill_django.accounts",
    "waybill_django.organizations",
    "waybill_django.fleet",
    "waybill_django.shipments",
    "waybill_django.audit",
    "waybill_django.api",
    "waybill_django.outbox",
    "waybill_django.notifications",
    "waybill_django.jobs",
    "waybill_django.webhooks",
    "waybill_django.imports",
    "waybill_django.reports",
    "waybill_django.planning",
    "waybill_django.demo",
    "waybill_django.dashboard",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
]

MIDDLEWARE = [
    "waybill_django.core.database_deadline.DatabaseDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "waybill_django.dashboard.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "waybill_django.config.urls"
WSGI_APPLICATION = "waybill_django.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Fail fast on a stopped or frozen PostgreSQL: connecting waits at most 2 s (libpq's minimum), a
# statement at most 30 s on the server, and a web request's query 2 s (core/database_deadline.py); after a
# failed attempt new connections fail at once for a second (core/postgresql).
DATABASES = {
    "default": dj_database_url.parse(required("DATABASE_URL"), conn_max_age=60, conn_health_checks=True),
}
DATABASES["default"]["ENGINE"] = "waybill_django.core.postgresql"  # pauses reconnecting after a failure
DATABASES["default"]["OPTIONS"] = {"connect_timeout": 2, "options": "-c statement_timeout=30000"}
DATABASE_QUERY_DEADLINE_SECONDS = 2.0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:overview"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded files (imports, proofs of delivery, reports), written by Django and read by the worker,
# so both need the same storage: a directory they share (MEDIA_ROOT) or an S3 bucket (MEDIA_BUCKET).
MEDIA_URL = "media/"
MEDIA_BUCKET = os.environ.get("MEDIA_BUCKET", "")
if MEDIA_BUCKET and os.environ.get("MEDIA_ROOT"):
    raise ImproperlyConfigured("Set MEDIA_ROOT (a shared directory) or MEDIA_BUCKET (S3), not both.")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PACKAGE_DIR.parent.parent / "media"))
# Proof-of-delivery photos and signatures: images only, at most this size.
PROOF_OF_DELIVERY_MAX_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PACKAGE_DIR.parent.parent / "staticfiles"))

if MEDIA_BUCKET:
    # Credentials come from boto3's default chain (the pod's IAM role); nothing is public and no
    # URL is signed: files are served only through views that check the organization. No ACL
    # is sent, because a bucket with ACLs disabled (the S3 default) refuses any but its own.
    _media_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "region_name": os.environ.get("AWS_REGION") or None,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    # No location option: the storage follows MEDIA_ROOT, also when a test overrides it.
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Redis: the Celery broker, the event bus (one Redis Stream per organization) and the cache
# (shared by every replica, so that sign-in rate limits hold across them).
REDIS_URL = required("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Public address of the site, for links in emails sent by the worker (invitations).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# Clients' addresses (sign-in and public-tracking rate limits): the proxies in front of Django
# append to X-Forwarded-For; with N trusted proxies the client is the N-th entry from the right.
# 0: no proxy, REMOTE_ADDR is the client and a client-supplied X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
INVITATION_MAX_AGE_DAYS = 7
# Public tracking (the page and its JSON) per client address per minute; the realtime service
# reads the same variable for its GET /v1/track, so both answer a customer alike.
TRACK_RATE_LIMIT_PER_MINUTE = int(os.environ.get("TRACK_RATE_LIMIT_PER_MINUTE", "60"))

# Sign-in (django-allauth): the email is the username and must be verified.
ACCOUNT_ADAPTER = "waybill_django.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "waybill_django.accounts.forms.SignupDetailsForm"
# Confirming the email from the browser that signed up signs in at once (no second sign-in).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up, sign-in and password reset answer alike whether or not the email has an account.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Waybill] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
# allauth's defaults, stated so a reader sees them: failed sign-ins 10/min per IP and 5 per
# 5 minutes per email; password reset 20/min per IP and 5/min per email; sign-up 20/min per IP.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Waybill"
# Platform staff must have signed in with a second factor to use the back office.
ADMIN_REQUIRE_MFA = True

# Social sign-in is on for a provider when its client id and secret are configured, off otherwise.
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
for _provider in ("github", "google"):
    _client_id = os.environ.get(f"{_provider.upper()}_CLIENT_ID", "")
    _secret = os.environ.get(f"{_provider.upper()}_CLIENT_SECRET", "")
    if _client_id and _secret:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [{"client_id": _client_id, "secret": _secret}]}
# An email address from a provider signs in only to an account that verified it here.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Email: console in development, locmem in tests, SMTP in production.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Waybill <no-reply@waybill.test>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}

# The dashboard's live map: a Leaflet tile URL template; empty draws the map without tiles.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# Where browsers open the realtime WebSocket: its public URL when it has its own
# address (https://rt.example.com); else the page's host on REALTIME_BROWSER_PORT, or, when
# that is None (production, behind the Ingress that routes /ws), the page's own origin.
REALTIME_PUBLIC_URL = os.environ.get("REALTIME_PUBLIC_URL", "").rstrip("/")
REALTIME_BROWSER_PORT: int | None = int(os.environ.get("REALTIME_PORT", "8001"))

# Background work, read by the domain functions the worker calls.
# WEBHOOKS_ALLOW_PRIVATE_TARGETS stays false in production: it is what stops an
# endpoint URL from reaching the cluster's own services (SSRF). Only a stack on
# one machine turns it on, to send to a receiver there (the image tests do).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = os.environ.get("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false") == "true"
# Production's egress allows HTTPS on port 443 only; other targets would only time out.
WEBHOOKS_HTTPS_443_ONLY = False
# Standard Webhooks' suggested schedule, about 27 hours in all: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
WEBHOOKS_RETRY_DELAYS_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
WEBHOOKS_DISABLE_AFTER_FAILURES = 30
WEBHOOKS_TIMEOUT_SECONDS = 10.0
# How long an enqueued attempt may take to run before the dispatcher enqueues it again.
WEBHOOKS_TASK_LEASE_SECONDS = 300
# How long a job may stay queued before its task is taken for lost and enqueued again.
JOBS_TASK_LEASE_SECONDS = 300
ETA_STALE_SECONDS = 300
LATE_SHIPMENT_GRACE_SECONDS = int(os.environ.get("LATE_SHIPMENT_GRACE_SECONDS", "0"))
VEHICLE_OFFLINE_AFTER_SECONDS = int(os.environ.get("VEHICLE_OFFLINE_AFTER_SECONDS", "300"))
POSITION_RETENTION_DAYS = int(os.environ.get("POSITION_RETENTION_DAYS", "30"))

# Route planning (docs/decisions/0800-route-planning-with-vroom.md): road distance is the great
# circle times PLANNING_ROAD_FACTOR, driven at PLANNING_SPEED_KMH, with PLANNING_SERVICE_MINUTES at each stop.
PLANNING_ROAD_FACTOR = float(os.environ.get("PLANNING_ROAD_FACTOR", "1.3"))
PLANNING_SPEED_KMH = float(os.environ.get("PLANNING_SPEED_KMH", "50"))
PLANNING_SERVICE_MINUTES = int(os.environ.get("PLANNING_SERVICE_MINUTES", "5"))
PLANNING_SOLVER_SECONDS = float(os.environ.get("PLANNING_SOLVER_SECONDS", "30"))
