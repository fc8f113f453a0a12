"""Reading ids from text that anyone may send."""

from typing import Final

MAX_ID_DIGITS: Final = 18
"""Any 18-digit number fits PostgreSQL's bigint."""


def parse_id(raw: str) -> int | None:
    """The id ``raw`` spells in ASCII digits, or None.

    ``str.isdigit()`` alone accepts ``²`` and other Unicode digits that ``int()`` refuses.
    """
    if not raw or len(raw) > MAX_ID_DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
