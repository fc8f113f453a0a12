"""A latency histogram with logarithmic buckets (about 2 % wide), mergeable across processes.

Percentiles are read from bucket counts, as HdrHistogram does, so a run of
millions of samples costs a few kilobytes and no sort.
"""

import math
from dataclasses import dataclass, field
from typing import Final

BUCKETS_PER_DOUBLING: Final = 36  # 2 ** (1 / 36) - 1 ≈ 1.9 % per bucket
MIN_MS: Final = 0.01
MAX_BUCKET: Final = BUCKETS_PER_DOUBLING * 24  # up to about 168 s


@dataclass
class Histogram:
    counts: dict[int, int] = field(default_factory=dict)

    def record(self, milliseconds: float) -> None:
        bucket = 0 if milliseconds <= MIN_MS else int(math.log2(milliseconds / MIN_MS) * BUCKETS_PER_DOUBLING)
        bucket = min(bucket, MAX_BUCKET)
        self.counts[bucket] = self.counts.get(bucket, 0) + 1

    def merge(self, counts: dict[int, int]) -> None:
        for bucket, count in counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percentile(self, q: float) -> float:
        """The upper edge of the bucket holding the ``q``-th percentile, in milliseconds (NaN when empty)."""
        total = self.total
        if total == 0:
            return math.nan
        rank = math.ceil(total * q / 100)
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return float(MIN_MS * 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING))
        raise AssertionError("unreachable: the ranks add up to the total")
