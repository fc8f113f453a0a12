"""Before a WebSocket session starts: the Origin check and authentication."""

import asyncio
import json
import time
from dataclasses import dataclass

from pydantic import ValidationError
from redis.exceptions import RedisError
from starlette.websockets import WebSocket

from waybill_contracts.channels import TRACK_CHANNEL_PREFIX, channel_prefix
from waybill_contracts.tickets import WS_TICKET_MIN_LENGTH, WsTicket, ws_ticket_key
from waybill_contracts.ws import CLIENT_MESSAGE_ADAPTER, Authenticate, CloseCode, Ping, Pong, Subscribe
from waybill_realtime.auth.users import credential_from_token
from waybill_realtime.authorization import may_subscribe_to_organization, organization_role
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS
from waybill_realtime.resources import Resources
from waybill_realtime.websocket.frames import Disconnected, describe, receive_frame


def origin_allowed(websocket: WebSocket, allowed: tuple[str, ...]) -> bool:
    """Browsers always send an Origin; non-browser clients (devices) may send none."""
    origin = websocket.headers.get("origin")
    return origin is None or origin in allowed


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    """None for an anonymous connection, which may only subscribe to public ``track:<code>`` channels."""
    organization_id: int | None = None
    """Set when a ticket bound the connection to one organization."""
    pending: Subscribe | None = None
    """An anonymous connection's first message (its first subscription), for the session to handle."""
    invalid_first: str | None = None
    """An anonymous connection's first ``subscribe`` did not validate: why (answered with bad_message)."""
    token_id: str | None = None
    """The JWT's id (None for a ticket or an anonymous connection)."""
    expires_at: float | None = None
    """When the JWT expires (Unix time): the connection closes then."""
    verified_at: float = 0.0
    """``time.monotonic()`` when the credentials were checked."""


def _bearer_token(websocket: WebSocket) -> str | None:
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(websocket: WebSocket, resources: Resources) -> Principal | None:
    """Who is on an accepted connection: from a ticket, the Authorization header or the first message.

    Closes the connection (and returns None) when authentication fails or takes too long.
    """
    ticket = websocket.query_params.get("ticket")
    if ticket is not None:
        principal = await _redeem_ticket(ticket, resources)
        if principal is None:
            await websocket.close(CloseCode.POLICY_VIOLATION, "invalid, used or expired ticket")
        return principal
    token = _bearer_token(websocket)
    if token is None:
        first = await _first_message(websocket, resources)
        if not isinstance(first, str):
            return first
        token = first
    verified_at = time.monotonic()
    try:
        credential = await credential_from_token(token, resources)
    except BACKEND_ERRORS:
        await websocket.close(CloseCode.TRY_AGAIN_LATER, "database unavailable: reconnect shortly")
        return None
    if credential is None:
        await websocket.close(CloseCode.POLICY_VIOLATION, "authentication failed")
        return None
    return Principal(
        credential.account.id,
        token_id=credential.token_id,
        expires_at=credential.expires_at,
        verified_at=verified_at,
    )


async def _first_message(websocket: WebSocket, resources: Resources) -> str | Principal | None:
    """Without credentials on the upgrade: the token of the first ``auth``, or an anonymous tracking client.

    Pings before it are answered (a tracking page may ping first); the time allowed runs from the upgrade.
    Closes the connection (and returns None) on anything else, with a reason that says what was wrong.
    """
    try:
        async with asyncio.timeout(resources.settings.ws_auth_timeout_seconds):
            while True:
                frame = await receive_frame(websocket)
                try:
                    message = CLIENT_MESSAGE_ADAPTER.validate_json(frame)
                except ValidationError as error:
                    if _claims_type(frame, "auth"):
                        await websocket.close(CloseCode.POLICY_VIOLATION, "invalid auth message")
                        return None
                    if _claims_type(frame, "subscribe"):
                        # Malformed: the session answers it as it answers any other (bad_message).
                        return Principal(None, invalid_first=describe(error))
                    message = None
                if isinstance(message, Ping):
                    await websocket.send_text(Pong().model_dump_json())
                    continue
                break
    except TimeoutError:
        await websocket.close(CloseCode.AUTH_TIMEOUT, "authentication timeout: send an auth message first")
        return None
    except Disconnected:
        return None
    if isinstance(message, Subscribe) and channel_prefix(message.channel) == TRACK_CHANNEL_PREFIX:
        return Principal(None, pending=message)
    if isinstance(message, Authenticate):
        return message.token
    await websocket.close(
        CloseCode.POLICY_VIOLATION, "sign in first: the first message must be auth (or a track: subscribe)"
    )
    return None


def _claims_type(frame: str | bytes, kind: str) -> bool:
    try:
        parsed = json.loads(frame)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == kind


async def _redeem_ticket(ticket: str, resources: Resources) -> Principal | None:
    if len(ticket) < WS_TICKET_MIN_LENGTH:
        return None
    try:
        raw = await resources.redis.getdel(ws_ticket_key(ticket))
    except RedisError:
        return None
    if raw is None:
        return None
    try:
        bound = WsTicket.model_validate_json(raw)
    except ValidationError:
        return None
    # The user may have been deactivated or removed from the organization since Django issued the ticket.
    verified_at = time.monotonic()
    try:
        async with raw_connection(resources.raw_pool) as connection:
            role = await organization_role(
                connection, user_id=bound.user_id, organization_id=bound.organization_id
            )
    except BACKEND_ERRORS:
        return None
    if not may_subscribe_to_organization(role):
        return None
    return Principal(bound.user_id, bound.organization_id, verified_at=verified_at)
