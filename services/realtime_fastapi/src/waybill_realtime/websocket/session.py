"""One authenticated WebSocket connection: its subscriptions, its send queue, its lifetime."""

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any, Final

from pydantic import ValidationError
from redis.exceptions import RedisError
from starlette.types import Message
from starlette.websockets import WebSocket

from waybill_contracts.channels import (
    TRACK_CHANNEL_PREFIX,
    channel_prefix,
    parse_job_channel,
    parse_org_channel,
    parse_shipment_channel,
    parse_track_channel,
)
from waybill_contracts.enums import Role
from waybill_contracts.ws import (
    CLIENT_MESSAGE_ADAPTER,
    Authenticate,
    CloseCode,
    ErrorMessage,
    Ping,
    Pong,
    PositionsAck,
    Ready,
    ReportPositions,
    ResyncRequired,
    ServerMessage,
    Subscribe,
    Subscribed,
    TrackingMessage,
    Unsubscribe,
    Unsubscribed,
)
from waybill_realtime.authorization import may_subscribe_to_organization, organization_role
from waybill_realtime.client_address import client_address
from waybill_realtime.db import raw_connection
from waybill_realtime.errors import BACKEND_ERRORS, DatabaseUnavailable
from waybill_realtime.logs import request_id
from waybill_realtime.ratelimit import hit
from waybill_realtime.resources import Resources
from waybill_realtime.revocation import Watch
from waybill_realtime.streaming.hub import Replay, Subscription
from waybill_realtime.streaming.outbound import Outbound, OutFrame
from waybill_realtime.streaming.stream_ids import StreamId
from waybill_realtime.streaming.views import ChannelView, JobView, ShipmentView, TrackView
from waybill_realtime.tracking import load_tracking
from waybill_realtime.websocket.direct import DirectWebSocketProtocol, direct_protocol
from waybill_realtime.websocket.frames import Disconnected, describe, receive_frame
from waybill_realtime.websocket.handshake import Principal

logger = logging.getLogger(__name__)

# On the raw pool (decision 0213), as the membership check beside them: read on every subscribe.
SHIPMENT_BY_ID: Final = "SELECT organization_id, vehicle_id FROM shipments_shipment WHERE id = $1"
JOB_ORGANIZATION: Final = "SELECT organization_id FROM jobs_job WHERE id = $1"
IDLE_REASON: Final = "idle: send a ping at least every minute"
INTERNAL_ERROR_REASON: Final = "internal error: reconnect and resume"


class Session:
    """One connection's protocol state. On the direct path it holds no task while idle (decision 0204):
    the protocol hands it each message (``_receive``), a message that must wait (a subscribe, a position
    report) runs as a task of its own while later ones wait their turn, and ``IdleSweep`` times it out.
    """

    __slots__ = (
        "_address",
        "_busy",
        "_context",
        "_ended",
        "_hub",
        "_inbox",
        "_invalid_first",
        "_only_organization",
        "_outbound",
        "_pending",
        "_principal",
        "_protocol",
        "_resources",
        "_settings",
        "_subscriptions",
        "_user_id",
        "_watch",
        "_websocket",
        "last_heard",
    )

    def __init__(self, websocket: WebSocket, principal: Principal, resources: Resources) -> None:
        self._websocket: WebSocket | None = websocket
        """Only until the session is detached from ASGI; the ASGI fallback keeps reading through it."""
        self._principal: Principal | None = principal
        self._user_id = principal.user_id
        self._only_organization = principal.organization_id
        self._pending = principal.pending
        self._invalid_first = principal.invalid_first
        self._resources = resources
        self._settings = resources.settings
        self._hub = resources.hub
        self._address = client_address(websocket, trusted_proxy_count=self._settings.trusted_proxy_count)
        self._protocol = direct_protocol(websocket.scope)
        self._outbound = Outbound(
            websocket,
            self._protocol,
            max_frames=self._settings.ws_send_queue_size,
            send_timeout=self._settings.ws_send_timeout_seconds,
            metrics=resources.metrics,
        )
        self._subscriptions: dict[str, Subscription] = {}
        self._watch: Watch | None = None
        self._busy: asyncio.Task[None] | None = None
        """The task handling a message that had to wait; later messages wait in ``_inbox`` meanwhile."""
        self._inbox: deque[Message] | None = None
        self._context: contextvars.Context | None = None
        self._ended = False
        self.last_heard = 0.0

    def send(self, message: ServerMessage) -> None:
        self._outbound.send(OutFrame.of(message.model_dump_json()))
        self._resources.metrics.messages_sent.inc()

    def close(self, code: int, reason: str) -> None:
        """Stop sending anything more and close the connection with ``code``."""
        self._outbound.request_close(code, reason)

    def idle(self) -> None:
        self.close(CloseCode.IDLE_TIMEOUT, IDLE_REASON)

    def organizations(self) -> set[int]:
        """The organizations whose data this connection reads now."""
        bound = {self._only_organization} if self._only_organization is not None else set()
        return bound | {subscription.organization_id for subscription in self._subscriptions.values()}

    async def run(self) -> None:
        """Serve the connection; on the direct path, return once it is set up and detached (it stays open)."""
        resources = self._resources
        resources.metrics.sessions_started.labels("direct" if self._outbound.direct else "asgi").inc()
        resources.metrics.open_connections.inc()
        principal = self._principal
        self._principal = None
        assert principal is not None
        if principal.user_id is not None:
            self._watch = resources.revocations.register(
                user_id=principal.user_id,
                token_id=principal.token_id,
                expires_at=principal.expires_at,
                verified_at=principal.verified_at,
                organizations=self.organizations,
                close=self.close,
            )
        detached = False
        try:
            if self._user_id is not None:
                self.send(Ready(user_id=self._user_id))
            if self._invalid_first is not None:
                self.send(ErrorMessage(code="bad_message", message=self._invalid_first))
            if self._pending is not None:
                pending, self._pending = self._pending, None
                await self._subscribe(pending)
            if self._protocol is not None:
                self._detach(self._protocol)
                detached = True
            else:
                await self._read_until_close_requested()
        finally:
            if not detached:
                self._end()
                await self._outbound.finish()

    def _detach(self, protocol: DirectWebSocketProtocol) -> None:
        # Log records of this connection keep its request id; nothing else of the ASGI task's context is kept.
        request = request_id.get()
        self._context = contextvars.Context()
        self._context.run(request_id.set, request)
        self._websocket = None
        self.last_heard = asyncio.get_running_loop().time()
        self._resources.idle.add(self)
        protocol.detach(self._receive)

    def _receive(self, message: Message) -> None:
        """A message of the detached connection, from the protocol: handled now, or after those before it."""
        if self._ended:
            return
        if message["type"] != "websocket.disconnect":
            self.last_heard = asyncio.get_running_loop().time()
        if self._busy is not None or self._inbox:
            if self._inbox is None:
                self._inbox = deque()
            self._inbox.append(message)
            return
        self._take(message)

    def _take(self, message: Message) -> None:
        if message["type"] == "websocket.disconnect":
            # Not from inside the caller (a fan-out pass, a revocation): the hub's loops must not change under them.
            asyncio.get_running_loop().call_soon(self._end)
            return
        text: str | None = message.get("text")
        work = self._dispatch(text if text is not None else message.get("bytes") or b"")
        if work is not None:
            assert self._context is not None
            assert self._protocol is not None
            self._busy = asyncio.get_running_loop().create_task(work, context=self._context)
            self._busy.add_done_callback(self._handled)
            self._protocol.hold_reading()

    def _handled(self, task: asyncio.Task[None]) -> None:
        self._busy = None
        if not task.cancelled() and (error := task.exception()) is not None:
            self._failed(error)
            self._inbox = None  # the connection is closing: what the client sent since is not handled
        inbox = self._inbox
        while inbox and self._busy is None:
            self._take(inbox.popleft())
        if self._busy is None:
            self._inbox = None
            if self._protocol is not None:
                self._protocol.release_reading()

    def _failed(self, error: BaseException) -> None:
        """Handling a message raised: logged, and the client told so with a close it can act on (SEC-10)."""
        logger.error("handling a message failed", exc_info=error)
        self.close(CloseCode.INTERNAL_ERROR, INTERNAL_ERROR_REASON)

    def _end(self) -> None:
        """The connection has gone (or is closing): stop its deliveries and forget it. Runs once."""
        if self._ended:
            return
        self._ended = True
        if self._busy is not None:
            self._busy.cancel()
        self._inbox = None
        for subscription in self._subscriptions.values():
            self._hub.unsubscribe(subscription)
        self._subscriptions.clear()
        if self._watch is not None:
            self._resources.revocations.unregister(self._watch)
            self._watch = None
        self._resources.idle.discard(self)
        self._resources.metrics.open_connections.dec()
        self._outbound.stop()

    async def _read_until_close_requested(self) -> None:
        tasks = [
            asyncio.create_task(self._read(), name="ws-read"),
            asyncio.create_task(self._outbound.close_requested.wait(), name="ws-close-requested"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        read = tasks[0]
        if not read.cancelled() and (error := read.exception()) is not None:
            self._failed(error)  # the session's end sends the close

    async def _read(self) -> None:
        """The ASGI fallback's reading (another server): a task per connection, a timer per read."""
        assert self._websocket is not None
        while True:  # until the client disconnects or idles
            try:
                async with asyncio.timeout(self._settings.ws_idle_timeout_seconds):
                    frame = await receive_frame(self._websocket)
            except TimeoutError:
                self.idle()
                return
            except Disconnected:
                return
            work = self._dispatch(frame)
            if work is not None:
                await work

    def _dispatch(self, frame: str | bytes) -> Coroutine[Any, Any, None] | None:
        """Answer a client message; what needs to wait (the database, Redis) is returned to be awaited."""
        if isinstance(frame, bytes):
            self.send(ErrorMessage(code="bad_message", message="frames are JSON text, not binary"))
            return None
        try:
            message = CLIENT_MESSAGE_ADAPTER.validate_json(frame)
        except ValidationError as error:
            self.send(ErrorMessage(code="bad_message", message=describe(error)))
            return None
        match message:
            case Ping():
                self.send(Pong())
            case Subscribe():
                return self._subscribe(message)
            case Unsubscribe():
                self._unsubscribe(message.channel)
            case Authenticate() if self._user_id is None:
                self.send(
                    ErrorMessage(
                        code="bad_message",
                        message="an anonymous connection cannot sign in: open a new one with the token",
                    )
                )
            case Authenticate():
                self.send(ErrorMessage(code="bad_message", message="already authenticated"))
            case ReportPositions():
                return self._report_positions(message)
        return None

    async def _report_positions(self, message: ReportPositions) -> None:
        if self._user_id is None:
            self.send(ErrorMessage(code="unauthenticated", message="sign in to report positions"))
            return
        reference = f" (ref {message.ref})" if message.ref else ""
        retry_after = await self._over_telemetry_limit()
        if retry_after is not None:
            self.send(
                ErrorMessage(
                    code="forbidden",
                    message=f"too many batches{reference}: nothing stored, retry in {retry_after} s",
                )
            )
            return
        try:
            result = await self._resources.ingest(user_id=self._user_id, items=message.positions)
        except DatabaseUnavailable:
            self.send(
                ErrorMessage(
                    code="unavailable",
                    message=f"positions not stored{reference}: database unavailable, resend",
                )
            )
            return
        self.send(PositionsAck(ref=message.ref, result=result))

    async def _over_telemetry_limit(self) -> int | None:
        """Seconds to wait when this device or address spent its batches: the counters ``POST /v1/telemetry`` keeps."""
        settings = self._settings
        address = self._address
        for scope, client, limit in (
            ("telemetry-user", str(self._user_id), settings.telemetry_rate_limit_per_minute),
            ("telemetry-address", address, settings.telemetry_address_rate_limit_per_minute),
        ):
            verdict = await hit(self._resources.redis, scope=scope, client=client, limit=limit)
            if not verdict.allowed:
                return verdict.retry_after_seconds
        return None

    async def _subscribe(self, message: Subscribe) -> None:
        channel = message.channel
        if channel in self._subscriptions:
            self.send(ErrorMessage(code="bad_message", message="already subscribed", channel=channel))
            return
        if len(self._subscriptions) >= self._settings.ws_max_subscriptions:
            self.send(ErrorMessage(code="bad_message", message="too many subscriptions", channel=channel))
            return
        try:
            target = await self._resolve(channel)
        except BACKEND_ERRORS:
            logger.exception("checking access to %s failed", channel)
            self.send(ErrorMessage(code="unavailable", message="try again shortly", channel=channel))
            return
        if isinstance(target, ErrorMessage):
            self.send(target)
            return
        organization_id, role, view = target
        subscription = Subscription(organization_id, channel, role, self._outbound, view=view)
        self._subscriptions[channel] = subscription  # before awaiting, so that run() always cleans it up
        try:
            await self._hub.subscribe(subscription)
            self.send(Subscribed(channel=channel))
            if isinstance(view, TrackView):
                self.send(TrackingMessage(channel=channel, tracking=view.state))
            elif message.last_id is not None:
                await self._replay(subscription, StreamId.parse(message.last_id))
        except RedisError:
            logger.exception("subscribing to %s failed", channel)
            self._unsubscribe(channel, acknowledge=False)
            self.send(ErrorMessage(code="unavailable", message="try again shortly", channel=channel))
            return
        subscription.go_live()

    async def _resolve(self, channel: str) -> tuple[int, Role, ChannelView | None] | ErrorMessage:
        """The organization, role and view of a channel this connection may read; otherwise the refusal."""
        if channel_prefix(channel) == TRACK_CHANNEL_PREFIX:
            tracking_code = parse_track_channel(channel)
            if tracking_code is None:  # answered like an unknown code: a public page cannot sign in to fix it
                return ErrorMessage(code="unknown_channel", message="no such tracking code", channel=channel)
            return await self._resolve_track(channel, tracking_code)
        if self._user_id is None:
            return ErrorMessage(
                code="unauthenticated", message="sign in to subscribe to this channel", channel=channel
            )
        organization_id: int | None = None
        view: ChannelView | None = None
        async with raw_connection(self._resources.raw_pool) as connection:
            if (org_id := parse_org_channel(channel)) is not None:
                organization_id = org_id
            elif (shipment_id := parse_shipment_channel(channel)) is not None:
                shipment = await connection.fetchrow(SHIPMENT_BY_ID, shipment_id)
                if shipment is not None:
                    organization_id = shipment["organization_id"]
                    view = ShipmentView(shipment_id, shipment["vehicle_id"], Role.VIEWER)
            elif (job_id := parse_job_channel(channel)) is not None:
                organization_id = await connection.fetchval(JOB_ORGANIZATION, job_id)
                if organization_id is not None:
                    view = JobView(job_id, Role.VIEWER)
            else:
                return ErrorMessage(code="unknown_channel", message="no such channel", channel=channel)
            role = None
            if organization_id is not None:
                role = await organization_role(
                    connection, user_id=self._user_id, organization_id=organization_id
                )
        if organization_id is None or role is None or not may_subscribe_to_organization(role):
            # The same answer whether the organization, shipment or job exists or not.
            return ErrorMessage(code="forbidden", message="not a member of its organization", channel=channel)
        if self._only_organization not in {None, organization_id}:
            return ErrorMessage(
                code="forbidden", message="the ticket is for another organization", channel=channel
            )
        if isinstance(view, ShipmentView | JobView):
            view.role = role
        return organization_id, role, view

    async def _resolve_track(
        self, channel: str, tracking_code: str
    ) -> tuple[int, Role, ChannelView] | ErrorMessage:
        settings = self._settings
        verdict = await hit(
            self._resources.redis,
            scope="track",
            client=self._address,
            limit=settings.track_rate_limit_per_minute,
        )
        if not verdict.allowed:
            return ErrorMessage(
                code="forbidden", message="too many requests: try again later", channel=channel
            )
        async with raw_connection(self._resources.raw_pool) as connection:
            tracked = await load_tracking(connection, tracking_code)
        if tracked is None:
            return ErrorMessage(code="unknown_channel", message="no such tracking code", channel=channel)
        view = TrackView(tracked.shipment_id, tracked.vehicle_id, tracked.view)
        # The role only matters to org channels; a track view decides for itself what the public sees.
        return tracked.organization_id, Role.VIEWER, view

    async def _replay(self, subscription: Subscription, after: StreamId) -> None:
        outcome = await self._hub.replay(subscription, after)
        if outcome is Replay.RESYNC_REQUIRED:
            self.send(ResyncRequired(channel=subscription.channel))
        elif outcome is Replay.CLIENT_TOO_SLOW:
            self._outbound.request_close(CloseCode.SLOW_CONSUMER, "replay not read in time")

    def _unsubscribe(self, channel: str, *, acknowledge: bool = True) -> None:
        subscription = self._subscriptions.pop(channel, None)
        if subscription is not None:
            self._hub.unsubscribe(subscription)
        if acknowledge:
            self.send(Unsubscribed(channel=channel))
