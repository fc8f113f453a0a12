"""One authenticated WebSocket connection: its subscriptions, its send queue, its lifetime."""

import asyncio
import logging

from pydantic import ValidationError
from redis.exceptions import RedisError
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
from waybill_realtime.ratelimit import hit
from waybill_realtime.resources import Resources
from waybill_realtime.streaming.hub import Replay, Subscription
from waybill_realtime.streaming.outbound import Outbound, OutFrame
from waybill_realtime.streaming.stream_ids import StreamId
from waybill_realtime.streaming.views import ChannelView, JobView, ShipmentView, TrackView
from waybill_realtime.tables import Job, Shipment
from waybill_realtime.tracking import load_tracking
from waybill_realtime.websocket.direct import direct_protocol
from waybill_realtime.websocket.frames import Disconnected, describe, receive_frame
from waybill_realtime.websocket.handshake import Principal

logger = logging.getLogger(__name__)


class Session:
    def __init__(self, websocket: WebSocket, principal: Principal, resources: Resources) -> None:
        self._websocket = websocket
        self._user_id = principal.user_id
        self._only_organization = principal.organization_id
        self._pending = principal.pending
        self._invalid_first = principal.invalid_first
        self._resources = resources
        self._settings = resources.settings
        self._hub = resources.hub
        self._outbound = Outbound(
            websocket,
            direct_protocol(websocket.scope),
            max_frames=self._settings.ws_send_queue_size,
            send_timeout=self._settings.ws_send_timeout_seconds,
            metrics=resources.metrics,
        )
        self._subscriptions: dict[str, Subscription] = {}

    def send(self, message: ServerMessage) -> None:
        self._outbound.send(OutFrame.of(message.model_dump_json()))
        self._resources.metrics.messages_sent.inc()

    def close(self, code: int, reason: str) -> None:
        """Stop sending anything more and close the connection with ``code``."""
        self._outbound.request_close(code, reason)

    def organizations(self) -> set[int]:
        """The organizations whose data this connection reads now."""
        bound = {self._only_organization} if self._only_organization is not None else set()
        return bound | {subscription.organization_id for subscription in self._subscriptions.values()}

    async def run(self) -> None:
        self._resources.metrics.sessions_started.labels("direct" if self._outbound.direct else "asgi").inc()
        try:
            if self._user_id is not None:
                self.send(Ready(user_id=self._user_id))
            if self._invalid_first is not None:
                self.send(ErrorMessage(code="bad_message", message=self._invalid_first))
            if self._pending is not None:
                await self._subscribe(self._pending)
            if self._outbound.direct:
                # No task of its own: a close request hands the protocol a disconnect, which ends the read.
                await self._read()
            else:
                await self._read_until_close_requested()
        finally:
            for subscription in self._subscriptions.values():
                self._hub.unsubscribe(subscription)
            self._subscriptions.clear()
            await self._outbound.finish()

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

    async def _read(self) -> None:
        while True:  # until the client disconnects or idles
            try:
                async with asyncio.timeout(self._settings.ws_idle_timeout_seconds):
                    frame = await receive_frame(self._websocket)
            except TimeoutError:
                self._outbound.request_close(
                    CloseCode.IDLE_TIMEOUT, "idle: send a ping at least every minute"
                )
                return
            except Disconnected:
                return
            await self._handle(frame)

    async def _handle(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.send(ErrorMessage(code="bad_message", message="frames are JSON text, not binary"))
            return
        try:
            message = CLIENT_MESSAGE_ADAPTER.validate_json(frame)
        except ValidationError as error:
            self.send(ErrorMessage(code="bad_message", message=describe(error)))
            return
        match message:
            case Ping():
                self.send(Pong())
            case Subscribe():
                await self._subscribe(message)
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
                await self._report_positions(message)

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
        address = client_address(self._websocket, trusted_proxy_count=settings.trusted_proxy_count)
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
        async with self._resources.sessions() as db:
            if (org_id := parse_org_channel(channel)) is not None:
                organization_id = org_id
            elif (shipment_id := parse_shipment_channel(channel)) is not None:
                shipment = await db.get(Shipment, shipment_id)
                if shipment is not None:
                    organization_id = shipment.organization_id
                    view = ShipmentView(shipment_id, shipment.vehicle_id, Role.VIEWER)
            elif (job_id := parse_job_channel(channel)) is not None:
                job = await db.get(Job, job_id)
                if job is not None:
                    organization_id = job.organization_id
                    view = JobView(job_id, Role.VIEWER)
            else:
                return ErrorMessage(code="unknown_channel", message="no such channel", channel=channel)
            role = None
            if organization_id is not None:
                role = await organization_role(db, user_id=self._user_id, organization_id=organization_id)
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
        client = client_address(self._websocket, trusted_proxy_count=settings.trusted_proxy_count)
        verdict = await hit(
            self._resources.redis, scope="track", client=client, limit=settings.track_rate_limit_per_minute
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
