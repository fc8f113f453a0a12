"""The fan-out ceiling: a bare ``websockets`` server that reads the same organization stream and calls
``websockets.broadcast()`` with a frame of the same shape and size as the realtime service's ``event``.

Run as ``python bench/bare_broadcast.py PORT REDIS_URL ORGANIZATION_ID``; it serves until killed.
"""

import json
import sys
from typing import cast

import uvloop
from redis.asyncio import Redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

from waybill_contracts.channels import STREAM_ENTRY_FIELD, org_channel, org_stream_key

RawEntries = list[tuple[str, dict[str, str]]]


async def main(port: int, redis_url: str, organization_id: int) -> None:
    clients: set[ServerConnection] = set()
    channel = org_channel(organization_id)

    async def handler(connection: ServerConnection) -> None:
        clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            clients.discard(connection)

    async with (
        serve(handler, "127.0.0.1", port, compression=None, max_queue=1),
        Redis.from_url(redis_url, decode_responses=True) as redis,
    ):
        key = org_stream_key(organization_id)
        newest = cast(RawEntries, await redis.xrevrange(key, count=1))
        cursor = newest[0][0] if newest else "0-0"
        while True:
            response = cast(
                list[tuple[str, RawEntries]] | None, await redis.xread({key: cursor}, block=1000, count=500)
            )
            for _, entries in response or []:
                for stream_id, fields in entries:
                    cursor = stream_id
                    event = json.loads(fields[STREAM_ENTRY_FIELD])
                    frame = json.dumps(
                        {"type": "event", "channel": channel, "stream_id": stream_id, "event": event},
                        separators=(",", ":"),
                    )
                    broadcast(clients, frame)


if __name__ == "__main__":
    uvloop.run(
        main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
    )  # the event loop the realtime service uses
