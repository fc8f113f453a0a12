"""A small reference client for the ``/ws`` protocol (docs/protocol.md), used by the tests and benchmarks.

    waybill-client --url http://127.0.0.1:8001 --email E --password P watch org:1 [--last-id ID]

prints each event as one JSON line; with ``--last-id`` it first replays what
came after that id. Reconnects (resuming from the last id seen) when the
server restarts or drops the connection.
"""

import argparse
import asyncio
import getpass
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from waybill_contracts.ws import (
    SERVER_MESSAGE_ADAPTER,
    Authenticate,
    ClientMessage,
    EventMessage,
    Ping,
    ResyncRequired,
    ServerMessage,
    Subscribe,
)

MAX_RECONNECTS: Final = 100
RECONNECT_DELAY_SECONDS: Final = 1.0


class LoginFailed(Exception):
    pass


@dataclass
class Connection:
    websocket: ClientConnection

    async def send(self, message: ClientMessage) -> None:
        await self.websocket.send(message.model_dump_json(exclude_none=True))

    async def receive(self, within: float | None = None) -> ServerMessage:
        """The next message; raises ``TimeoutError`` when none arrives ``within`` seconds."""
        async with asyncio.timeout(within):
            return SERVER_MESSAGE_ADAPTER.validate_json(await self.websocket.recv())

    async def subscribe(self, channel: str, last_id: str | None = None) -> None:
        await self.send(Subscribe(channel=channel, last_id=last_id))

    async def ping(self) -> None:
        await self.send(Ping())


@dataclass(frozen=True)
class RealtimeClient:
    http_url: str
    """For example ``http://127.0.0.1:8001``."""

    @property
    def ws_url(self) -> str:
        return self.http_url.replace("http", "ws", 1).rstrip("/") + "/ws"

    async def login(self, email: str, password: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.http_url) as client:
            return await client.post("/auth/jwt/login", data={"username": email, "password": password})

    async def token(self, email: str, password: str) -> str:
        response = await self.login(email, password)
        if response.status_code != httpx.codes.OK:
            raise LoginFailed(f"{response.status_code} {response.text}")
        return str(response.json()["access_token"])

    @asynccontextmanager
    async def connect(
        self,
        *,
        token: str | None = None,
        token_in_first_message: bool = False,
        ticket: str | None = None,
        origin: str | None = None,
        max_queue: int = 16,
    ) -> AsyncIterator[Connection]:
        """A connection, authenticated with a JWT (header or first message) or a browser ticket.

        ``ready`` is left for the caller to read.
        """
        headers = {"Authorization": f"Bearer {token}"} if token and not token_in_first_message else {}
        url = f"{self.ws_url}?{urlencode({'ticket': ticket})}" if ticket else self.ws_url
        async with connect(
            url,
            max_queue=max_queue,
            additional_headers=headers,
            origin=Origin(origin) if origin else None,
            open_timeout=5,
            close_timeout=2,
            max_size=None,
        ) as websocket:
            connection = Connection(websocket)
            if token and token_in_first_message:
                await connection.send(Authenticate(token=token))
            yield connection

    async def watch(
        self, token: str, channel: str, last_id: str | None = None
    ) -> AsyncIterator[EventMessage]:
        """Events of ``channel`` forever, reconnecting and resuming from the last id seen."""
        for _ in range(MAX_RECONNECTS):
            try:
                async with self.connect(token=token) as connection:
                    await connection.subscribe(channel, last_id)
                    while True:
                        message = await connection.receive()
                        if isinstance(message, EventMessage):
                            last_id = message.stream_id
                            yield message
                        elif isinstance(message, ResyncRequired):
                            sys.stderr.write(f"resync needed on {channel}: events were missed\n")
            except (ConnectionClosed, OSError) as error:
                sys.stderr.write(f"disconnected ({error}); reconnecting\n")
                await asyncio.sleep(RECONNECT_DELAY_SECONDS)


async def _watch(args: argparse.Namespace) -> None:
    client = RealtimeClient(args.url)
    password = args.password or getpass.getpass()
    token = await client.token(args.email, password)
    async for event in client.watch(token, args.channel, args.last_id):
        sys.stdout.write(event.model_dump_json() + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="waybill-client", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", help="prompted for when omitted")
    commands = parser.add_subparsers(dest="command", required=True)
    watch = commands.add_parser("watch", help="print a channel's events as JSON lines")
    watch.add_argument("channel")
    watch.add_argument("--last-id", help="replay what came after this stream id first")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_watch(args))
    except KeyboardInterrupt:
        return 0
    except LoginFailed as error:
        sys.stderr.write(f"sign-in failed: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
