"""What the API's input types refuse or normalise before any domain function runs.

PostgreSQL stores no NUL character in text and reads no UTC offset beyond
±15:59, and a page number past bigint overflows the offset; each would
otherwise surface as a database error (500) instead of a 4xx. Each rule is
also stated in the OpenAPI document (``api/documented.py`` adds the text
pattern), so a client that follows the document is never refused for it.
"""

import math
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Final

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, BeforeValidator, Strict, WithJsonSchema

MAX_PAGE: Final = 1_000_000
MAX_UTC_OFFSET: Final = timedelta(hours=15, minutes=59)
# The largest value of PostgreSQL's ``integer`` (Django's IntegerField and PositiveIntegerField).
INTEGER_COLUMN_MAX: Final = 2**31 - 1
NUL_REFUSED: Final = "Text may not contain NUL (\\u0000) characters."
# JSON Schema patterns (ECMA 262 and Python's re read them alike).
NO_NUL_PATTERN: Final = "^[^\\u0000]*$"
# Blank characters, spelled out for the pattern: Python's str.isspace() and ECMA 262's \s (which JSON
# Schema patterns follow) disagree on U+001C-U+001F and U+0085 (space to Python only) and U+FEFF (to ECMA
# only); text made of them only is refused either way, so a client that follows the document is never refused.
BLANK_CHARACTERS: Final = frozenset(
    "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff"
) | {chr(code) for code in range(0x2000, 0x200B)}
_BLANK_CLASS: Final = "".join(f"\\u{ord(character):04x}" for character in sorted(BLANK_CHARACTERS))
NOT_BLANK_PATTERN: Final = f"^[^\\u0000]*[^\\u0000{_BLANK_CLASS}][^\\u0000]*$"
NOT_BLANK_REFUSED: Final = "Enter some text, not only spaces."


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(NUL_REFUSED)
    return value


def _not_blank(value: str) -> str:
    if all(character in BLANK_CHARACTERS for character in value):
        raise ValueError(NOT_BLANK_REFUSED)
    return value


# Every text the API takes: refused with 422 on its field when it holds a NUL character.
Text = Annotated[str, AfterValidator(_no_nul)]
# Text that must hold more than whitespace (a reason, a recipient's name): documented as such.
NonBlankText = Annotated[
    str,
    AfterValidator(_no_nul),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"pattern": NOT_BLANK_PATTERN}),
]


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Enter a number.")
    return value


# Numbers and booleans in a body are what the document says, nothing pydantic could coerce into one
# ("5", true for a number, 1 or "yes" for a boolean). An integer may be written 7.0 (JSON Schema's
# integer); 7.5 is refused by int itself. Path and query values are text and stay lax.
NUMBER_ONLY: Final = BeforeValidator(_json_number)
Integer = Annotated[int, NUMBER_ONLY]
Number = Annotated[float, NUMBER_ONLY]
Boolean = Annotated[bool, Strict()]


def storable_offset(value: datetime) -> datetime:
    """A pydantic after-validator: an instant whose offset PostgreSQL cannot read (RFC 3339 allows ±23:59) in UTC.

    ``timestamptz`` keeps the instant, not the offset, so nothing is lost.
    """
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return value.astimezone(UTC)
    return value


def decimal_number(*, max_digits: int, decimal_places: int, minimum: int | None) -> Any:
    """A JSON number for a ``DecimalField``, kept rounded to the column's places (1.005 kg is stored as 1.01).

    Only a number (not a string, not a boolean) and only up to what the column holds, as documented,
    so every value the document allows is one the model accepts.
    """
    places = Decimal(1).scaleb(-decimal_places)
    largest = Decimal(10) ** (max_digits - decimal_places) - places

    def to_column(value: Any) -> Any:
        # A Decimal comes from the database (answers); JSON brings int or float.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | Decimal)
            or not math.isfinite(value)
        ):
            raise ValueError("Enter a number.")
        rounded = Decimal(repr(value) if isinstance(value, float) else value).quantize(
            places, rounding=ROUND_HALF_UP
        )
        if rounded > largest:
            raise ValueError(f"Enter a number no larger than {largest}.")
        return rounded

    schema: dict[str, Any] = {"type": "number", "maximum": float(largest)}
    if minimum is not None:
        schema["minimum"] = minimum
    return Annotated[Decimal, BeforeValidator(to_column), WithJsonSchema(schema, mode="validation")]


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)
