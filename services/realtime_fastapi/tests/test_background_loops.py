"""``/readyz`` names a background loop that ended (``routes.health.stopped_loops``)."""

import asyncio

from waybill_realtime.routes.health import stopped_loops


async def test_a_loop_that_raised_or_returned_is_named_and_a_running_or_cancelled_one_is_not() -> None:
    async def broken() -> None:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    async def finished() -> None:
        return None

    running = asyncio.create_task(asyncio.Event().wait(), name="access-reader")
    cancelled = asyncio.create_task(asyncio.Event().wait(), name="tracking-projector")
    loops = [
        asyncio.create_task(broken(), name="stream-reader"),
        asyncio.create_task(finished(), name="position-publisher"),
        running,
        cancelled,
    ]
    cancelled.cancel()
    await asyncio.wait(loops[:2])
    await asyncio.gather(cancelled, return_exceptions=True)

    assert stopped_loops(loops) == [
        "stream-reader stopped: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0:"
        " invalid start byte",
        "position-publisher stopped: returned",
    ]
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
