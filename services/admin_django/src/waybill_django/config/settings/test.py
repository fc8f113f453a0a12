"""Tests: only what must differ from ``base``."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403 - a settings module extends base by star import (Django convention)
from .base import SECRET_KEY as _SECRET_KEY

SECRET_KEY = _SECRET_KEY or "test-insecure-secret-key"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Files on disk as in production, so the worker processes a test starts read what it stored:
# `waybill-dev test` points MEDIA_ROOT at a directory of its own, removed after the run.
if not os.environ.get("MEDIA_ROOT"):
    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="waybill-test-media-"))
# Tests never run collectstatic: let whitenoise serve files from the apps, as in development.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Hashing with the production work factor makes every created user cost a tenth of a second.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ADMIN_REQUIRE_MFA = False
# A cache per process, emptied by each test, so that rate limits do not leak between tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Webhook receivers on this machine (127.0.0.1) are allowed here, never in production.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
