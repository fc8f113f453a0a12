"""The actor of the changes that scheduled jobs make on their own (a late shipment's exception)."""

from waybill_django.accounts.models import User

SYSTEM_EMAIL = "system@waybill.invalid"


def system_actor() -> User:
    """Platform staff without a usable password: it can act through the workflow but never sign in.

    The audit log and the timeline then name it as the actor, which is what
    happened: no person made the change.
    """
    user, created = User.objects.get_or_create(email=SYSTEM_EMAIL, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
