"""Sign-in state kept in Redis by every service that checks a password, so that one policy holds everywhere.

Failed sign-ins:
Django (allauth sign-in) and the realtime service (``POST /auth/jwt/login``)
refuse a sign-in while either counter is at its limit, and add one to both
after a wrong password or a wrong second-factor code. A counter is a fixed
window: it starts at the first failure and expires with its window.

Used TOTP codes: a code accepted by one service is refused by both until it expires.
"""

import hashlib
import string
from typing import Final, NamedTuple


class Limit(NamedTuple):
    failures: int
    window_seconds: int


# allauth's own default for its login_failed rate limit: 5 per 5 minutes per account, 10 per minute per address.
PER_ACCOUNT: Final = Limit(5, 300)
PER_ADDRESS: Final = Limit(10, 60)


FAILURES_KEY_PATTERN: Final = "waybill:signin-failures:*"


def account_failures_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"waybill:signin-failures:account:{digest}"


def address_failures_key(address: str) -> str:
    return f"waybill:signin-failures:address:{address}"


# A TOTP code works once, in whichever service sees it first: both mark it used under this key
# (SET NX) for as long as it is valid, and refuse it when the key is already there.
TOTP_USED_PATTERN: Final = "waybill:totp-used:*"


def totp_used_key(user_id: int, code: str) -> str:
    # The code as allauth compares it: punctuation and whitespace ignored.
    normalized = code.translate(str.maketrans("", "", string.punctuation + string.whitespace)).lower()
    return f"waybill:totp-used:{user_id}:{normalized}"
