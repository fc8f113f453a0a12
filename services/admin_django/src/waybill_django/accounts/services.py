"""The write path for what changes a user's access, and telling the realtime service about it.

Each change records an ``AccessChanged`` in the outbox in the same transaction;
after commit every realtime replica closes the connections it affects.
"""

import uuid

from django.db.models import F
from django.utils import timezone

from waybill_contracts.access import AccessChanged, AccessChangeReason
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.transactions import unit_of_work
from waybill_django.outbox.services import outbox_record_access


def access_changed_record(
    *, user_id: int, reason: AccessChangeReason, organization_id: int | None = None
) -> None:
    """Call inside the transaction of the change."""
    outbox_record_access(
        AccessChanged(
            event_id=uuid.uuid4(),
            occurred_at=timezone.now(),
            user_id=user_id,
            reason=reason,
            organization_id=organization_id,
        )
    )


def _revoke_tokens(user: User) -> None:
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user.refresh_from_db(fields=["token_version"])


@unit_of_work()
def user_deactivate(*, user: User, actor: User | None) -> User:
    """Deactivate ``user``: sign-in refused everywhere, their tokens and open connections ended."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    _revoke_tokens(user)
    audit_record(action=AuditAction.USER_DEACTIVATED, target=user, actor=actor, organization=None)
    access_changed_record(user_id=user.pk, reason=AccessChangeReason.USER_DEACTIVATED)
    return user


@unit_of_work()
def user_set_password(*, user: User, password: str | None) -> User:
    """Set (or, with None, unset) the password: every token issued before stops working."""
    user.set_password(password)
    user.save(update_fields=["password"])
    _revoke_tokens(user)
    access_changed_record(user_id=user.pk, reason=AccessChangeReason.PASSWORD_CHANGED)
    return user


@unit_of_work()
def user_update_profile(*, user: User, full_name: str, time_zone: str) -> User:
    """A person's name (shown to their colleagues instead of the email) and their own time zone."""
    user.full_name, user.time_zone = full_name.strip(), time_zone
    user.full_clean(exclude={"password"})
    user.save(update_fields=["full_name", "time_zone"])
    return user
