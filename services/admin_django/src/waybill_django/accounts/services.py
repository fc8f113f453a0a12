"""The write path for a person's own profile."""

from django.db import transaction

from waybill_django.accounts.models import User


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    """A person's name (shown to their colleagues instead of the email) and their own time zone."""
    user.full_name, user.time_zone = full_name.strip(), time_zone
    user.full_clean(exclude={"password"})
    user.save(update_fields=["full_name", "time_zone"])
    return user
