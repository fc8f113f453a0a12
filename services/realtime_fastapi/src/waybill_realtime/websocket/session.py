"""One authenticated WebSocket connection: its subscriptions, its send queue, its lifetime."""

import asyncio
import contextlib
import logging
from typing import Final

from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from starlette.websockets import WebSocket

from waybill_contracts.channels import parse_org_channel
from waybill_contracts.ws import (
    CLIENT_MESSAGE_ADAPTER,
    Authenticate,
    CloseCode,
    ErrorMessage,
    Ping,
    Pong,
    Ready,
    ResyncRequired,
    ServerMessage,
    Subscribe,
    Subscribed,
    Unsubscribe,
    Unsubscribed,
)
from waybill_realtime.authorization import may_subscribe_to_organization, organization_role
from waybill_realtime.resources import Resources
from waybill_realtime.streaming.hub import Replay, Subscription
from waybill_realtime.streaming.outbound import Outbound
from waybill_realtime.streaming.stream_ids import StreamId
from waybill_realtime.websocket.frames import Disconnected, receive_frame
from waybill_realtime.websocket.handshake import Principal

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT_SECONDS: Final = 2.0


class Session:
    def __init__(self, websocket: WebSocket, principal: Principal, resources: Resources) -> None:
        self._websocket = websocket
        self._user_id = principal.user_id
        self._only_organization = principal.organization_id
        self._resources = resources
        self._settings = resources.settings
        self._hub = resources.hub
        self._outbound = Outbound(self._settings.ws_send_queue_size, resources.metrics)
        self._subscriptions: dict[str, Subscription] = {}

    def send(self, message: ServerMessage) -> None:
        self._outbound.send(message.model_dump_json())

    async def run(self) -> None:
        self.send(Ready(user_id=self._user_id))
        tasks = [
            asyncio.create_task(self._read(), name="ws-read"),
            asyncio.create_task(self._write(), name="ws-write"),
            asyncio.create_task(self._outbound.close_requested.wait(), name="ws-close-requested"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for subscription in self._subscriptions.values():
                self._hub.unsubscribe(subscription)
            self._subscriptions.clear()
        request = self._outbound.close_request
        if request is not None:
            with contextlib.suppress(RuntimeError, TimeoutError, OSError):
                async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                    await self._websocket.close(request.code, request.reason)

    async def _write(self) -> None:
        while True:  # until the client has gone, or run() cancels us
            frame = await self._outbound.next_frame()
            try:
                await self._websocket.send_text(frame)
            except (RuntimeError, OSError):
                return  # the client has gone

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
            self.send(ErrorMessage(code="bad_message", message=_describe(error)))
            return
        match message:
            case Ping():
                self.send(Pong())
            case Subscribe():
                await self._subscribe(message)
            case Unsubscribe():
                self._unsubscribe(message.channel)
            case Authenticate():
                self.send(ErrorMessage(code="bad_message", message="already authenticated"))

    async def _subscribe(self, message: Subscribe) -> None:
        channel = message.channel
        if channel in self._subscriptions:
            self.send(ErrorMessage(code="bad_message", message="already subscribed", channel=channel))
            return
        if len(self._subscriptions) >= self._settings.ws_max_subscriptions:
            self.send(ErrorMessage(code="bad_message", message="too many subscriptions", channel=channel))
            return
        organization_id = parse_org_channel(channel)
        if organization_id is None:
            self.send(ErrorMessage(code="unknown_channel", message="no such channel", channel=channel))
            return
        if self._only_organization not in {None, organization_id}:
            self.send(
                ErrorMessage(
                    code="forbidden", message="the ticket is for another organization", channel=channel
                )
            )
            return
        try:
            async with self._resources.sessions() as db:
                role = await organization_role(db, user_id=self._user_id, organization_id=organization_id)
        except SQLAlchemyError:
            logger.exception("membership check failed")
            self.send(ErrorMessage(code="unavailable", message="try again shortly", channel=channel))
            return
        if role is None or not may_subscribe_to_organization(role):
            # The same answer whether the organization exists or not.
            self.send(
                ErrorMessage(code="forbidden", message="not a member of this organization", channel=channel)
            )
            return
        subscription = Subscription(organization_id, channel, role, self._outbound)
        self._subscriptions[channel] = subscription  # before awaiting, so that run() always cleans it up
        try:
            await self._hub.subscribe(subscription)
            self.send(Subscribed(channel=channel))
            if message.last_id is not None:
                await self._replay(subscription, StreamId.parse(message.last_id))
        except RedisError:
            logger.exception("subscribing to %s failed", channel)
            self._unsubscribe(channel, acknowledge=False)
            self.send(ErrorMessage(code="unavailable", message="try again shortly", channel=channel))
            return
        subscription.go_live()

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


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])
