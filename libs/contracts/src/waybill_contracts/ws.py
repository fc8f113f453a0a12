"""Messages exchanged on the realtime service's ``/ws`` endpoint.

Every frame is one JSON object with a ``type``. Clients send
:data:`ClientMessage`; the server sends :data:`ServerMessage`.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, field_validator

from waybill_contracts.events import Event
from waybill_contracts.telemetry import MAX_POSITIONS_PER_BATCH, TelemetryResult
from waybill_contracts.tracking import PublicTracking


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Client -> server


class Authenticate(_Message):
    """First message of a device client that did not send an Authorization header."""

    type: Literal["auth"] = "auth"
    token: str = Field(min_length=1, max_length=4096)


STREAM_ID_PART_MAX = 2**64 - 1
"""Redis stream ids are two unsigned 64-bit numbers."""


class Subscribe(_Message):
    type: Literal["subscribe"] = "subscribe"
    channel: str = Field(min_length=1, max_length=200)
    last_id: str | None = Field(
        default=None,
        pattern=r"^\d{1,20}-\d{1,20}$",
        description="Stream id of the last event seen; events after it are replayed first."
        " Each part is at most 18446744073709551615.",
    )

    @field_validator("last_id")
    @classmethod
    def _fits_a_stream_id(cls, value: str | None) -> str | None:
        if value is not None and any(int(part) > STREAM_ID_PART_MAX for part in value.split("-")):
            raise ValueError(f"each part of a stream id is at most {STREAM_ID_PART_MAX}")
        return value


class Unsubscribe(_Message):
    type: Literal["unsubscribe"] = "unsubscribe"
    channel: str = Field(min_length=1, max_length=200)


class Ping(_Message):
    type: Literal["ping"] = "ping"


class ReportPositions(_Message):
    """A device's batch of positions (``waybill_contracts.telemetry.PositionReport`` items).

    Answered with ``position_ack`` carrying the same ``ref``.
    """

    type: Literal["position"] = "position"
    positions: list[JsonValue] = Field(min_length=1, max_length=MAX_POSITIONS_PER_BATCH)
    ref: str | None = Field(default=None, max_length=100, description="Echoed in the acknowledgement.")


ClientMessage = Annotated[
    Authenticate | Subscribe | Unsubscribe | Ping | ReportPositions, Field(discriminator="type")
]
CLIENT_MESSAGE_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


# Server -> client


class Ready(_Message):
    """Sent once the connection is authenticated."""

    type: Literal["ready"] = "ready"
    user_id: int


class Subscribed(_Message):
    type: Literal["subscribed"] = "subscribed"
    channel: str


class Unsubscribed(_Message):
    type: Literal["unsubscribed"] = "unsubscribed"
    channel: str


class EventMessage(_Message):
    type: Literal["event"] = "event"
    channel: str
    stream_id: str
    event: Event


class Pong(_Message):
    type: Literal["pong"] = "pong"


class ResyncRequired(_Message):
    """The ``last_id`` of a subscribe is older than the stream retains: events may have been missed.

    The subscription is live from now on; reload the channel's state (e.g. over HTTP), then carry on.
    """

    type: Literal["resync_required"] = "resync_required"
    channel: str


class ErrorMessage(_Message):
    type: Literal["error"] = "error"
    code: Literal["bad_message", "unauthenticated", "forbidden", "unknown_channel", "unavailable"]
    message: str
    channel: str | None = None


class PositionsAck(_Message):
    """The outcome of a ``position`` message, as ``POST /v1/telemetry`` answers it."""

    type: Literal["position_ack"] = "position_ack"
    ref: str | None = None
    result: TelemetryResult


class TrackingMessage(_Message):
    """The public view of a ``track:<code>`` channel's shipment: sent on subscribe, then on each change.

    Each message is the whole view, so a client that reconnects needs no replay.
    """

    type: Literal["tracking"] = "tracking"
    channel: str
    tracking: PublicTracking


ServerMessage = Annotated[
    Ready
    | Subscribed
    | Unsubscribed
    | EventMessage
    | Pong
    | ResyncRequired
    | ErrorMessage
    | PositionsAck
    | TrackingMessage,
    Field(discriminator="type"),
]
SERVER_MESSAGE_ADAPTER: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)


class CloseCode:
    """WebSocket close codes the server uses, with the reason sent alongside."""

    NORMAL = 1000
    POLICY_VIOLATION = 1008  # bad Origin, failed authentication
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011  # the server failed handling a message (logged there): reconnect and resume
    SERVICE_RESTART = 1012  # replica shutting down: reconnect elsewhere
    AUTH_TIMEOUT = 4001  # no authentication within the allowed time
    SLOW_CONSUMER = 4002  # the client read too slowly and its send queue filled: reconnect and resume
    IDLE_TIMEOUT = 4003  # nothing received from the client (not even a ping) for too long
    TRY_AGAIN_LATER = 1013  # the database is unreachable: reconnect after a backoff
    ACCESS_REVOKED = 4004  # deactivated, removed, role or password changed, signed out: reconnect or sign in
    TOKEN_EXPIRED = 4005  # the JWT the connection authenticated with expired: sign in again
