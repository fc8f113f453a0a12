"""Several replicas behind a load balancer share nothing but Redis."""

import asyncio

import httpx

from waybill_contracts.ws import EventMessage, Ready, Subscribed
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas, StartRealtime


async def subscribed(connection: Connection, channel: str) -> None:
    assert isinstance(await connection.receive(1), Ready)
    await connection.subscribe(channel)
    assert await connection.receive(1) == Subscribed(channel=channel)


async def stream_ids(connection: Connection, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        message = await connection.receive(within=1.0)
        assert isinstance(message, EventMessage)
        ids.append(message.stream_id)
    return ids


async def test_two_replicas_each_deliver_every_event_once_to_each_of_their_clients(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    first, second = start_realtime(personas.database_url), start_realtime(personas.database_url)
    token = await first.token(personas.acme_dispatcher, personas.password)
    channel = f"org:{personas.acme_id}"

    async with (
        first.connect(token=token) as on_first,
        second.connect(token=token) as on_second,
        second.connect(token=token) as also_on_second,
    ):
        for connection in (on_first, on_second, also_on_second):
            await subscribed(connection, channel)

        published = list(await asyncio.gather(*(streams.publish(personas.acme_id) for _ in range(100))))
        published.sort(key=lambda stream_id: tuple(map(int, stream_id.split("-"))))

        for connection in (on_first, on_second, also_on_second):
            assert await stream_ids(connection, len(published)) == published
        for connection in (on_first, on_second, also_on_second):
            await connection.ping()
            assert (await connection.receive(1)).type == "pong"


async def test_a_replica_reads_only_the_streams_of_organizations_with_clients_on_it(
    start_realtime: StartRealtime, personas: Personas, streams: EventStreams
) -> None:
    first, idle = start_realtime(personas.database_url), start_realtime(personas.database_url)
    token = await first.token(personas.acme_dispatcher, personas.password)

    async with first.connect(token=token) as connection:
        await subscribed(connection, f"org:{personas.acme_id}")
        await streams.publish(personas.acme_id)
        await stream_ids(connection, 1)

        assert await streams_read(first) == 1
        assert await streams_read(idle) == 0


async def streams_read(replica: RealtimeClient) -> float:
    async with httpx.AsyncClient(base_url=replica.http_url) as client:
        text = (await client.get("/metrics")).text
    line = next(line for line in text.splitlines() if line.startswith("waybill_streams_read "))
    return float(line.split()[1])
