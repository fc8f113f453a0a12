"""Single-use WebSocket tickets for the signed-in browser (see ``waybill_contracts.tickets``)."""

import secrets

import redis

from waybill_contracts.channels import org_stream_key
from waybill_contracts.tickets import WS_TICKET_TTL_SECONDS, WsTicket, ws_ticket_key
from waybill_django.accounts.models import User
from waybill_django.core.redis_client import get_redis
from waybill_django.organizations.models import Organization


def ws_ticket_issue(*, user: User, organization: Organization) -> str:
    """Store a ticket for ``user`` in ``organization``; the realtime service redeems it once, within the TTL.

    The caller has checked the membership; the realtime service checks it again on redemption.
    """
    ticket = secrets.token_urlsafe(32)
    bound = WsTicket(user_id=user.pk, organization_id=organization.pk)
    get_redis().set(ws_ticket_key(ticket), bound.model_dump_json(), ex=WS_TICKET_TTL_SECONDS)
    return ticket


def org_stream_head(*, organization: Organization) -> str | None:
    """The id of the organization's newest event, read while the page renders.

    The page subscribes from this id, so nothing that happens between the
    render and the WebSocket connection is missed. None when Redis does not
    answer: the page then subscribes from "now".
    """
    try:
        newest = get_redis().xrevrange(org_stream_key(organization.pk), count=1)
    except redis.RedisError:
        return None
    if not newest:
        return "0-0"
    raw_id = newest[0][0]
    return raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
