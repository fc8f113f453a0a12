"""Redis Stream entry ids (``<milliseconds>-<sequence>``), ordered as Redis orders them."""

from typing import NamedTuple, Self


class StreamId(NamedTuple):
    """A tuple, so that the fan-out's comparison of ids per subscriber is C's tuple order, not a Python method."""

    milliseconds: int
    sequence: int

    @classmethod
    def parse(cls, text: str) -> Self:
        milliseconds, _, sequence = text.partition("-")
        return cls(int(milliseconds), int(sequence or 0))

    def __str__(self) -> str:
        return f"{self.milliseconds}-{self.sequence}"


ZERO = StreamId(0, 0)
