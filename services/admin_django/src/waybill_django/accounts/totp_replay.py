"""allauth's record of used TOTP codes, moved to the Redis key the realtime service checks too (decision 0700).

allauth remembers a used code in Django's cache; the realtime sign-in could
not see that, so a code typed into the dashboard still worked once on
``POST /auth/jwt/login`` within its 30 s (and the other way round). Both now
mark the code under ``waybill_contracts.signin.totp_used_key`` with SET NX.
"""

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP

from waybill_contracts.signin import totp_used_key
from waybill_django.core.redis_client import get_redis


def mark_totp_code_used(totp: TOTP, code: str) -> bool:
    """False when either service already accepted this code for this user."""
    seconds = app_settings.TOTP_PERIOD * (2 * app_settings.TOTP_TOLERANCE + 1)
    key = totp_used_key(totp.instance.user_id, code)
    return bool(get_redis().set(key, "1", nx=True, ex=seconds))


def share_totp_replay_record() -> None:
    # allauth has no hook for this (TOTP.validate_code calls _mark_code_used); the accounts tests pin the behaviour.
    TOTP._mark_code_used = mark_totp_code_used
