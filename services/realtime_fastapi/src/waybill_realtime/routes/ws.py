"""``/ws``: the WebSocket endpoint (protocol in docs/protocol.md)."""

from fastapi import APIRouter, WebSocket

from waybill_contracts.ws import CloseCode
from waybill_realtime.deps import ResourcesDep
from waybill_realtime.websocket.handshake import authenticate, origin_allowed
from waybill_realtime.websocket.session import Session

router = APIRouter()


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket, resources: ResourcesDep) -> None:
    if not origin_allowed(websocket, resources.settings.ws_allowed_origins):
        # Before accepting: the handshake is answered with 403.
        await websocket.close(CloseCode.POLICY_VIOLATION, "origin not allowed")
        return
    await websocket.accept()
    principal = await authenticate(websocket, resources)
    if principal is None:
        return
    await Session(websocket, principal, resources).run()
