"""A database or Redis that cannot be reached answers 503 with Retry-After, never 500."""

import logging
from typing import Final

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)


BACKEND_ERRORS: Final = (SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, RedisError, OSError)
"""What an unreachable or refusing PostgreSQL or Redis raises (asyncpg's connect errors arrive unwrapped)."""


class DatabaseUnavailable(Exception):
    """The work was not done (and is not acknowledged): the caller should send it again later."""


def unavailable(retry_after_seconds: int) -> JSONResponse:
    return JSONResponse(
        {"detail": "temporarily unavailable: retry later"},
        status_code=503,
        headers={"Retry-After": str(retry_after_seconds), "Cache-Control": "no-store"},
    )


def install_error_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    async def backend_unavailable(request: Request, error: Exception) -> JSONResponse:
        logger.warning(
            "%s %s: backend unavailable (%s)", request.method, request.url.path, type(error).__name__
        )
        return unavailable(retry_after_seconds)

    # Raised from dependencies too (the JWT's user is read from the database on every request).
    for error_type in (DatabaseUnavailable, *BACKEND_ERRORS):
        app.add_exception_handler(error_type, backend_unavailable)
    app.add_exception_handler(RequestValidationError, validation_failed)


async def validation_failed(request: Request, error: Exception) -> JSONResponse:
    """422 with where and what, never the input itself (it may be megabytes, or bytes that are not UTF-8)."""
    assert isinstance(error, RequestValidationError)
    detail = [
        {"loc": list(item.get("loc", ())), "msg": str(item.get("msg", "")), "type": str(item.get("type", ""))}
        for item in error.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)
