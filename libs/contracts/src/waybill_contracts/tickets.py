"""Single-use WebSocket tickets: how a signed-in browser page opens ``/ws``.

Django (the session owner) issues a ticket for the signed-in user and one of
their organizations: it stores ``WsTicket`` as JSON under ``ws_ticket_key``
with ``SET ... EX WS_TICKET_TTL_SECONDS``, and gives the random ticket to the
page. The page connects to ``/ws?ticket=<ticket>``; the realtime service
redeems it with ``GETDEL`` (so it works once) and checks again that the user
is active and a member.
"""

from typing import Final

from pydantic import BaseModel, ConfigDict

WS_TICKET_TTL_SECONDS: Final = 30
WS_TICKET_MIN_LENGTH: Final = 32
"""Issue tickets with ``secrets.token_urlsafe(32)`` (43 characters); shorter ones are refused."""


class WsTicket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: int
    organization_id: int


def ws_ticket_key(ticket: str) -> str:
    return f"waybill:ws-ticket:{ticket}"
