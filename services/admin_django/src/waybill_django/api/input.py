"""What the API refuses before any domain function runs: NUL characters, bodies over the size limit, huge pages.

PostgreSQL stores neither a NUL character in text nor a UTC offset beyond
±15:59, and a page number past bigint overflows the offset; each would
otherwise surface as a database error (500) instead of a 4xx.
"""

from datetime import datetime, timedelta
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.parser import Parser

MAX_PAGE: Final = 1_000_000
MAX_UTC_OFFSET: Final = timedelta(hours=15, minutes=59)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _refuse_nul(data: Any, where: str) -> Any:
    if _has_nul(data):
        raise ValidationError({where: ["Text may not contain NUL (\\u0000) characters."]})
    return data


class InputParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return _refuse_nul(super().parse_body(request), "body")  # type: ignore[no-any-return]

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        return _refuse_nul(super().parse_querydict(data, list_fields, request), "query")  # type: ignore[no-any-return]


def storable_offset(value: datetime) -> datetime:
    """A pydantic after-validator: the offsets PostgreSQL's ``timestamptz`` accepts."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("UTC offset must be between -15:59 and +15:59")
    return value


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
