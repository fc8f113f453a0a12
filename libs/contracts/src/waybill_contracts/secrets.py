"""The one rule for a production SECRET_KEY, applied by Django's settings and the realtime service."""

from typing import Final

MIN_PRODUCTION_SECRET_LENGTH: Final = 50
# The clearly marked development and test defaults in this repository start with these.
PLACEHOLDER_SECRET_PREFIXES: Final = ("dev-insecure", "test-insecure")
SIGNING_KEY_RULE: Final = "SECRET_KEY must be a random value of 50+ characters in production"


def is_production_secret(secret: str) -> bool:
    """Whether ``secret`` may sign sessions and tokens in production."""
    return len(secret) >= MIN_PRODUCTION_SECRET_LENGTH and not secret.startswith(PLACEHOLDER_SECRET_PREFIXES)
