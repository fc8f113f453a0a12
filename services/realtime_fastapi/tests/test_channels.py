"""``shipment:<id>`` and ``job:<id>`` channels: only their own events, only for members of their organization."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.events import JobProgress, ShipmentStatusChanged
from waybill_contracts.jobs import JobKind, JobState
from waybill_contracts.ws import ErrorMessage, EventMessage, Pong, Ready, Subscribed
from waybill_realtime.client import Connection, RealtimeClient
from waybill_testkit.realtime import EventStreams, Personas


def status_changed(personas: Personas, shipment_id: int) -> ShipmentStatusChanged:
    return ShipmentStatusChanged(
        event_id=uuid.uuid4(),
        organization_id=personas.acme_id,
        occurred_at=datetime.now(UTC),
        shipment_id=shipment_id,
        reference="WB",
        previous_status=ShipmentStatus.PICKED_UP,
        status=ShipmentStatus.IN_TRANSIT,
        vehicle_id=personas.acme_van,
    )


def job_progress(personas: Personas, job_id: uuid.UUID, percent: int) -> JobProgress:
    return JobProgress(
        event_id=uuid.uuid4(),
        organization_id=personas.acme_id,
        occurred_at=datetime.now(UTC),
        job_id=job_id,
        kind=JobKind.REPORT,
        state=JobState.RUNNING,
        percent=percent,
    )


async def add_job(personas: Personas) -> uuid.UUID:
    job_id = uuid.uuid4()
    engine = create_async_engine("postgresql+asyncpg://" + personas.database_url.partition("://")[2])
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO jobs_job (id, organization_id, kind, state, percent, error, created_at)"
                    " VALUES (:id, :org, 'report', 'running', 0, '', now())"
                ),
                {"id": job_id, "org": personas.acme_id},
            )
    finally:
        await engine.dispose()
    return job_id


async def subscribed(connection: Connection, channel: str) -> None:
    assert isinstance(await connection.receive(1), Ready)
    await connection.subscribe(channel)
    assert await connection.receive(1) == Subscribed(channel=channel)


async def test_a_shipment_channel_carries_that_shipment_only(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    mine = await personas.add_shipment(personas.acme_id, vehicle_id=personas.acme_van)
    other = await personas.add_shipment(personas.acme_id)
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    channel = f"shipment:{mine.id}"

    async with realtime.connect(token=token) as connection:
        await subscribed(connection, channel)
        await streams.append(status_changed(personas, other.id))
        expected = await streams.append(status_changed(personas, mine.id))
        received = await connection.receive(1)
        await connection.ping()
        after = await connection.receive(1)

    assert isinstance(received, EventMessage)
    assert (received.channel, received.stream_id) == (channel, expected)
    assert isinstance(received.event, ShipmentStatusChanged)
    assert received.event.shipment_id == mine.id
    assert after == Pong()


async def test_a_job_channel_carries_that_job_s_progress_only(
    realtime: RealtimeClient, personas: Personas, streams: EventStreams
) -> None:
    job_id = await add_job(personas)
    token = await realtime.token(personas.acme_dispatcher, personas.password)

    async with realtime.connect(token=token) as connection:
        await subscribed(connection, f"job:{job_id}")
        await streams.append(job_progress(personas, uuid.uuid4(), 10))
        await streams.append(job_progress(personas, job_id, 50))
        received = await connection.receive(1)

    assert isinstance(received, EventMessage)
    assert isinstance(received.event, JobProgress)
    assert (received.event.job_id, received.event.percent) == (job_id, 50)


async def test_another_organization_s_shipment_or_job_is_refused_like_one_that_does_not_exist(
    realtime: RealtimeClient, personas: Personas
) -> None:
    shipment = await personas.add_shipment(personas.acme_id)
    job_id = await add_job(personas)
    token = await realtime.token(personas.globex_viewer, personas.password)
    channels = [f"shipment:{shipment.id}", f"job:{job_id}", "shipment:999999", f"job:{uuid.uuid4()}"]

    async with realtime.connect(token=token) as connection:
        assert isinstance(await connection.receive(1), Ready)
        refusals = []
        for channel in channels:
            await connection.subscribe(channel)
            refusals.append(await connection.receive(1))

    assert all(isinstance(refusal, ErrorMessage) and refusal.code == "forbidden" for refusal in refusals)
