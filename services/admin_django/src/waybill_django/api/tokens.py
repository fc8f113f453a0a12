"""API tokens: created and revoked by owners and admins; only a digest is stored."""

import hashlib
import secrets

from django.utils import timezone

from waybill_django.accounts.models import User
from waybill_django.api.models import ApiToken
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.transactions import unit_of_work
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission

TOKEN_PREFIX = "wbt_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for


def _digest(secret: str) -> str:
    # A token has ~256 bits of entropy, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@unit_of_work()
def api_token_create(*, organization: Organization, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with its secret, which is never shown again."""
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_API_TOKENS)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organization=organization, name=name, prefix=prefix, digest=_digest(secret), created_by=actor
    )
    token.full_clean()
    token.save()
    audit_record(
        action=AuditAction.API_TOKEN_CREATED,
        target=token,
        actor=actor,
        organization=organization,
        data={"name": name},
    )
    return token, secret


@unit_of_work()
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    check_permission(actor=actor, organization=token.organization_id, action=Action.MANAGE_API_TOKENS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_TOKEN_REVOKED, target=token, actor=actor, organization=token.organization
        )
    return token


def api_tokens_revoke_for_member(*, organization_id: int, user_id: int) -> int:
    """Revoke the live tokens ``user_id`` created in the organization (they are leaving it); returns how many."""
    return ApiToken.unscoped.filter(
        organization_id=organization_id, created_by_id=user_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret, or None; records when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.unscoped.select_related("organization", "created_by")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
