"""Redis Stream entry ids (``<milliseconds>-<sequence>``), ordered as Redis orders them."""

from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, order=True)
class StreamId:
    milliseconds: int
    sequence: int

    @classmethod
    def parse(cls, text: str) -> Self:
        milliseconds, _, sequence = text.partition("-")
        return cls(int(milliseconds), int(sequence or 0))

    def __str__(self) -> str:
        return f"{self.milliseconds}-{self.sequence}"


ZERO = StreamId(0, 0)
