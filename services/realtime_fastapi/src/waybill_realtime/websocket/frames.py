"""Receiving raw frames, so that binary frames and disconnects are handled explicitly."""

from pydantic import ValidationError
from starlette.websockets import WebSocket


class Disconnected(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


async def receive_frame(websocket: WebSocket) -> str | bytes:
    """The next text or binary frame; raises ``Disconnected`` when the client has gone."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise Disconnected(int(message.get("code", 1000)))
    text: str | None = message.get("text")
    if text is not None:
        return text
    data: bytes = message.get("bytes") or b""
    return data


def describe(error: ValidationError) -> str:
    """Where a client's message failed to validate, and why, for a ``bad_message`` answer."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])
