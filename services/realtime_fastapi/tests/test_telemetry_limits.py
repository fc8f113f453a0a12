"""What keeps telemetry cheap to abuse-proof (SEC-5): body size, rate limits, strict types, no echoed input."""

import json

import httpx

from waybill_contracts.telemetry import MAX_POSITIONS_PER_BATCH
from waybill_contracts.ws import ErrorMessage, PositionsAck, Ready, ReportPositions
from waybill_realtime.client import RealtimeClient
from waybill_testkit.realtime import Personas, StartRealtime

from .test_telemetry import position, report


async def test_a_body_over_256_kib_is_refused_with_413_and_nothing_is_stored(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    oversized = [position(personas.acme_van, padding="x" * 300_000)]

    response = await report(realtime, token, oversized)

    assert response.status_code == httpx.codes.REQUEST_ENTITY_TOO_LARGE


async def test_a_refused_batch_names_what_is_wrong_without_echoing_the_input(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    too_many = [{"x": "y" * 100}] * (MAX_POSITIONS_PER_BATCH + 1)

    response = await report(realtime, token, too_many)

    assert response.status_code == httpx.codes.UNPROCESSABLE_ENTITY
    assert len(response.content) < 1000
    assert "y" * 100 not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "positions"]


async def test_undecodable_bytes_are_refused_with_422_not_a_server_error(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    async with httpx.AsyncClient(base_url=realtime.http_url, timeout=10) as client:
        response = await client.post(
            "/v1/telemetry",
            content=bytes(range(256)) * 4,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    assert response.status_code == httpx.codes.UNPROCESSABLE_ENTITY


async def test_numbers_must_be_json_numbers_and_vehicle_ids_fit_a_bigint(
    realtime: RealtimeClient, personas: Personas
) -> None:
    token = await realtime.token(personas.acme_dispatcher, personas.password)
    batch = [
        position(personas.acme_van, latitude="52"),  # type: ignore[arg-type]  # the wrong type on purpose
        position(personas.acme_van, seconds_ago=20, latitude=True),
        position(2**63),
        position(personas.acme_van, seconds_ago=30, latitude=52),
    ]

    response = await report(realtime, token, batch)

    assert response.status_code == httpx.codes.OK
    result = response.json()
    assert result["accepted"] == 1
    assert [(item["index"], item["reason"]) for item in result["rejected"]] == [
        (0, "invalid"),
        (1, "invalid"),
        (2, "invalid"),
    ]


async def test_a_device_over_its_rate_limit_gets_429_with_retry_after(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, telemetry_rate_limit_per_minute="3")
    driver = await realtime.token(personas.acme_driver, personas.password)
    dispatcher = await realtime.token(personas.acme_dispatcher, personas.password)

    answers = [
        (await report(realtime, driver, [position(personas.acme_van, seconds_ago=s)])) for s in (5, 6, 7, 8)
    ]
    other_device = await report(realtime, dispatcher, [position(personas.acme_truck)])

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    assert json.loads(answers[-1].text) == {"detail": "too many batches: retry later"}
    assert other_device.status_code == httpx.codes.OK


async def test_positions_over_the_websocket_spend_the_same_budget_as_http(
    start_realtime: StartRealtime, personas: Personas
) -> None:
    realtime = start_realtime(personas.database_url, telemetry_rate_limit_per_minute="3")
    driver = await realtime.token(personas.acme_driver, personas.password)

    async with realtime.connect(token=driver) as device:
        assert isinstance(await device.receive(1), Ready)
        answers = []
        for n in range(3):
            await device.send(
                ReportPositions(positions=[position(personas.acme_van, seconds_ago=10 + n)], ref=f"b{n}")
            )
            answers.append(await device.receive(5))
        over_http = await report(realtime, driver, [position(personas.acme_van, seconds_ago=20)])
        await device.send(ReportPositions(positions=[position(personas.acme_van, seconds_ago=30)], ref="b9"))
        refused = await device.receive(5)

    assert [type(answer) for answer in answers] == [PositionsAck] * 3
    assert over_http.status_code == httpx.codes.TOO_MANY_REQUESTS
    assert isinstance(refused, ErrorMessage)
    assert refused.code == "forbidden"
    assert refused.message.startswith("too many batches (ref b9): nothing stored")
    assert await personas.position_count(personas.acme_van) == 3
