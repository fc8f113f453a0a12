"""Liveness and readiness for the load balancer and Kubernetes."""

import asyncio
from collections.abc import Iterable
from typing import Any, Final

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from waybill_realtime.deps import ResourcesDep

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS: Final = 3.0


class Health(BaseModel):
    status: str
    problems: list[str] = []


@router.get("/healthz")
async def healthz() -> Health:
    """The process is alive (no dependency checked)."""
    return Health(status="ok")


@router.get("/readyz", responses={503: {"model": Health}})
async def readyz(resources: ResourcesDep, response: Response) -> Health:
    """PostgreSQL and Redis both answer and the background loops run; 503 with the reasons when not."""
    problems = [
        problem
        for problem in await asyncio.gather(_check_database(resources), _check_redis(resources))
        if problem
    ] + stopped_loops(resources.background)
    if problems:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable", problems=problems)
    return Health(status="ok")


async def _check_database(resources: ResourcesDep) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), resources.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        return f"database unreachable: {_reason(error)}"
    except (TypeError, ValueError) as error:
        # A DATABASE_URL parameter the driver refuses: not ready until the configuration is fixed.
        return f"database configuration error: {_reason(error)}"
    return None


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300] if str(error) else type(error).__name__


async def _check_redis(resources: ResourcesDep) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await resources.redis.ping()
    except (RedisError, OSError, TimeoutError) as error:
        return f"redis unreachable: {type(error).__name__}"
    return None


def stopped_loops(loops: Iterable["asyncio.Task[Any]"]) -> list[str]:
    """A loop that ended stops what it serves (the stream reader: every live event of this replica)."""
    return [
        f"{task.get_name()} stopped: {_reason(error) if (error := task.exception()) else 'returned'}"
        for task in loops
        if task.done() and not task.cancelled()
    ]
