"""Where a run's time goes: one console line per stage, and each scenario's totals for the report.

A scenario calls ``lap(STAGE, detail)`` when a stage ends; the lap is the time since the previous lap
(or since the scenario began), so every second of a scenario lands in exactly one stage and the
stages of a scenario add up to its wall time. ``run.py`` brackets each scenario with ``begin`` and
``end``.
"""

import time
from dataclasses import dataclass, field

START = "start servers"
SEED = "seed data"
CONNECT = "connect clients"
WARM_UP = "warm-up"
MEASURE = "measure"
SETTLE = "settle"
DRAIN = "drain"
STOP = "stop"
PLOT = "plot"
STAGES = (START, SEED, CONNECT, WARM_UP, MEASURE, SETTLE, DRAIN, STOP, PLOT)
"""In the report's order; ``drain`` waits for what a previous run left queued, ``stop`` closes clients."""


@dataclass
class Stopwatch:
    scenario: str
    began: float = field(default_factory=time.monotonic)
    last: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.last = self.began

    def lap(self, stage: str, detail: str = "") -> float:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")
        now = time.monotonic()
        seconds, self.last = now - self.last, now
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        print(f"{self.scenario}: {stage}{f' ({detail})' if detail else ''}: {seconds:.1f} s", flush=True)
        return seconds


_current: Stopwatch | None = None


def begin(scenario: str) -> Stopwatch:
    global _current
    _current = Stopwatch(scenario)
    return _current


def lap(stage: str, detail: str = "") -> None:
    """End ``stage`` of the running scenario (a no-op when none runs, e.g. a scenario run by a test)."""
    if _current is not None:
        _current.lap(stage, detail)


def end() -> tuple[float, dict[str, float]]:
    """The running scenario's wall time and its seconds per stage (what no lap covered is not a stage)."""
    global _current
    if _current is None:
        return 0.0, {}
    watch, _current = _current, None
    return time.monotonic() - watch.began, dict(watch.seconds)


def table(times: dict[str, tuple[float, dict[str, float]]]) -> list[str]:
    """Markdown lines: each scenario's wall time and its stages, in seconds; ``other`` is what no lap covered."""
    used = [stage for stage in STAGES if any(stage in stages for _, stages in times.values())]
    lines = [
        "| scenario | wall s | " + " | ".join(used) + " | other |",
        "| --- | --- | " + " | ".join("---" for _ in used) + " | --- |",
    ]
    for name, (wall, stages) in times.items():
        cells = [f"{stages[stage]:.1f}" if stage in stages else "-" for stage in used]
        other = wall - sum(stages.values())
        lines.append(f"| {name} | {wall:.1f} | " + " | ".join(cells) + f" | {other:.1f} |")
    total = sum(wall for wall, _ in times.values())
    lines.append(f"| all | {total:.1f} | " + " | ".join("" for _ in used) + " | |")
    return lines
