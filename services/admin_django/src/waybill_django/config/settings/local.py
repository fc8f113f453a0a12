"""Development on one machine (``make up``)."""

from .base import *  # noqa: F403 - a settings module extends base by star import (Django convention)
from .base import SECRET_KEY as _SECRET_KEY

DEBUG = True
# Development only: the same placeholder the local runner uses.
SECRET_KEY = _SECRET_KEY or "dev-insecure-secret-key-change-me"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Staff sign in to /admin/ with a password alone on one machine.
ADMIN_REQUIRE_MFA = False
# Webhook receivers on this machine (127.0.0.1) are allowed here, never in production.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
