"""Verify passwords against the hashes Django stores, without ever rewriting them.

Django owns ``accounts_user.password`` and upgrades hashes itself when a user
signs in there; this service only reads the column, so ``verify_and_update``
never proposes a new hash.
"""

import base64
import hashlib
import hmac
import secrets
from typing import Final

from fastapi_users.password import PasswordHelperProtocol

# Django's PBKDF2PasswordHasher default (Django 5.2); only used to hash a throwaway value.
DJANGO_PBKDF2_ITERATIONS: Final = 1_000_000
_PBKDF2_DIGESTS: Final = {"pbkdf2_sha256": "sha256", "pbkdf2_sha1": "sha1"}
_MAX_ITERATIONS: Final = 10_000_000


def verify_django_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches a Django ``pbkdf2_sha256``/``pbkdf2_sha1`` hash.

    Unusable passwords (Django's ``!`` prefix) and other algorithms never match.
    """
    algorithm, _, rest = encoded.partition("$")
    digest = _PBKDF2_DIGESTS.get(algorithm)
    if digest is None:
        return False
    iterations_text, _, rest = rest.partition("$")
    salt, _, expected = rest.partition("$")
    if not iterations_text.isdigit() or not salt or not expected:
        return False
    iterations = int(iterations_text)
    if not 0 < iterations <= _MAX_ITERATIONS:
        return False
    actual = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), iterations)
    return hmac.compare_digest(base64.b64encode(actual).decode("ascii"), expected)


def make_django_password(password: str, *, iterations: int = DJANGO_PBKDF2_ITERATIONS) -> str:
    """A Django-format ``pbkdf2_sha256`` hash of ``password``."""
    salt = secrets.token_urlsafe(16)
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(raw).decode('ascii')}"


class DjangoPasswordHelper(PasswordHelperProtocol):
    def verify_and_update(self, plain_password: str, hashed_password: str) -> tuple[bool, str | None]:
        return verify_django_password(plain_password, hashed_password), None

    def hash(self, password: str) -> str:
        return make_django_password(password)

    def generate(self) -> str:
        return secrets.token_urlsafe()
