"""The password helper agrees with Django's own hasher and never proposes a new hash."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, PBKDF2SHA1PasswordHasher

from waybill_realtime.auth.passwords import DjangoPasswordHelper, make_django_password, verify_django_password


def test_a_hash_made_by_django_verifies_with_the_right_password_only() -> None:
    encoded = PBKDF2PasswordHasher().encode("s3cret!", "somesalt")  # Django's default iterations

    assert verify_django_password("s3cret!", encoded)
    assert not verify_django_password("s3cret", encoded)


def test_djangos_older_sha1_variant_verifies_too() -> None:
    encoded = PBKDF2SHA1PasswordHasher().encode("s3cret!", "somesalt", iterations=1000)

    assert verify_django_password("s3cret!", encoded)


def test_django_accepts_the_hash_the_helper_makes() -> None:
    encoded = make_django_password("s3cret!", iterations=1000)

    assert PBKDF2PasswordHasher().verify("s3cret!", encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        "!unusable-password-set-by-django",
        "",
        "md5$salt$0123456789abcdef",
        "pbkdf2_sha256$notanumber$salt$hash",
        "pbkdf2_sha256$1000$salt",
        "pbkdf2_sha256$0$salt$hash",
    ],
)
def test_unusable_and_unknown_hashes_never_match(encoded: str) -> None:
    assert not verify_django_password("anything", encoded)


def test_the_helper_never_asks_to_rewrite_the_stored_hash() -> None:
    old_fashioned = PBKDF2PasswordHasher().encode("s3cret!", "somesalt", iterations=1000)

    assert DjangoPasswordHelper().verify_and_update("s3cret!", old_fashioned) == (True, None)
