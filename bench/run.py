"""``make bench`` / ``make bench-smoke``: every scenario, side by side with its bare ceiling, in one run.

Run through ``waybill-dev run`` so that throwaway PostgreSQL and Redis are
in DATABASE_URL and REDIS_URL. Writes ``bench/results/<timestamp>/report.md``
with its plots; a full run (not ``--smoke``) also refreshes the README's
summary table from the same figures.

A smoke run checks the harness, not a speed, so its scenarios run side by
side (``--jobs``), each in its own process with its own database (a copy of
the migrated one) and its own Redis database; a full run measures, so it
runs them one after the other.

    python bench/run.py [--smoke [--jobs N]] [scenario ...]
"""

import argparse
import dataclasses
import importlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import stages
from report import README, RESULTS_DIR, Section, update_readme

SMOKE_JOBS = 4
"""Smoke scenarios at once: most of their time is starting servers and waiting on them, which overlaps."""

SCENARIOS = {
    "fanout": "fanout:run",
    "tracking": "tracking:run",
    "ingest": "ingest:run",
    "csv_import": "csv_import:run_section",
    "django_tracking": "django_tracking:run",
    "planner": "planner:run",
    "worker_jobs": "worker_jobs:run",
    "end_to_end": "end_to_end:run",
}
"""Name -> ``module:function`` taking ``(out: Path, *, smoke: bool)`` and returning a ``Section``.

Imported only when selected: load-generator processes are spawned, and each re-imports this module, so
it stays light (matplotlib, Django and the services' packages load in the scenario that needs them).
"""


def scenario(name: str) -> Callable[..., Section]:
    module, _, function = SCENARIOS[name].partition(":")
    runner: Callable[..., Section] = getattr(importlib.import_module(module), function)
    return runner


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--smoke", action="store_true", help="every scenario at a tiny size (checks the harness)"
    )
    parser.add_argument("--out", type=Path, help="results directory (default: bench/results/<timestamp>)")
    parser.add_argument(
        "--jobs", type=int, default=SMOKE_JOBS, help=f"smoke scenarios run at once (default {SMOKE_JOBS})"
    )
    parser.add_argument("--section-json", type=Path, help=argparse.SUPPRESS)  # one scenario of a parallel run
    parser.add_argument("scenarios", nargs="*", help=f"some of: {', '.join(SCENARIOS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    selected = args.scenarios or list(SCENARIOS)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out: Path = args.out or RESULTS_DIR / (f"{stamp}-smoke" if args.smoke else stamp)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if args.section_json:
        (name,) = selected
        section = _timed(name, out, smoke=args.smoke)
        args.section_json.write_text(json.dumps(dataclasses.asdict(section), default=str))
        return 0
    if args.smoke and args.jobs > 1 and len(selected) > 1:
        sections = _run_side_by_side(selected, out, jobs=args.jobs)
    else:
        sections = [_run_here(name, out, smoke=args.smoke) for name in selected]
    from environment import machine_header

    times = {section.name: (section.seconds, section.stages) for section in sections}
    header = machine_header(smoke=args.smoke, seconds=time.monotonic() - started, scenarios=times)
    report = out / "report.md"
    report.write_text(
        "\n".join([header, *(section.markdown() for section in sections), _time_section(times)])
    )
    print(_time_section(times), flush=True)
    print(f"report: {report}")
    if not args.smoke and set(selected) == set(SCENARIOS):
        update_readme(README, sections, report)
    return 0


def _run_here(name: str, out: Path, *, smoke: bool) -> Section:
    print(f"== {name}", flush=True)
    section = _timed(name, out, smoke=smoke)
    print(section.markdown(), flush=True)
    print(f"== {name}: {section.seconds:.0f} s", flush=True)
    return section


def _timed(name: str, out: Path, *, smoke: bool) -> Section:
    """Run one scenario; its wall time and its seconds per stage (``stages.lap``) go on its section."""
    stages.begin(name)
    try:
        section = scenario(name)(out, smoke=smoke)
    finally:
        section_seconds, section_stages = stages.end()
    section.seconds, section.stages = section_seconds, section_stages
    return section


def _time_section(times: dict[str, tuple[float, dict[str, float]]]) -> str:
    lines = ["## Where the run's time went", "", *stages.table(times), ""]
    lines.append(
        "- Seconds per scenario and stage, from this run's console log (one line per stage);"
        " `other` is what no stage covered (imports, building the section)."
    )
    return "\n".join(lines) + "\n"


SMOKE_LONGEST = ("csv_import", "worker_jobs", "end_to_end", "django_tracking")
"""The smoke scenarios that take longest (starting Django processes and seeding through them), longest first."""


def _smoke_order(name: str) -> int:
    return SMOKE_LONGEST.index(name) if name in SMOKE_LONGEST else len(SMOKE_LONGEST)


def _run_side_by_side(names: list[str], out: Path, *, jobs: int) -> list[Section]:
    """Each scenario in its own ``run.py --smoke`` process, its own database and Redis database; in order."""
    from environment import scenario_backends

    def one(name: str) -> Section:
        result, log = out / f"{name}.json", out / f"{name}.log"
        database_url, redis_url = backends[name]
        with log.open("w") as output:
            completed = subprocess.run(
                [sys.executable, __file__, "--smoke", "--out", str(out), "--section-json", str(result), name],
                env={
                    **os.environ,
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url,
                    "BENCH_DATABASE_MIGRATED": "1",
                },
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if completed.returncode:
            raise RuntimeError(
                f"scenario {name} failed (exit {completed.returncode}):\n{log.read_text()[-4000:]}"
            )
        fields = json.loads(result.read_text())
        section = Section(**{**fields, "plots": [Path(plot) for plot in fields["plots"]]})
        print(f"== {name}: {section.seconds:.0f} s", flush=True)
        return section

    with scenario_backends(names) as backends, ThreadPoolExecutor(max_workers=jobs) as pool:
        # The longest first, so that the short ones fill the gaps instead of one long one ending the run.
        started = {name: pool.submit(one, name) for name in sorted(names, key=_smoke_order)}
        sections = [started[name].result() for name in names]
    for section in sections:
        print(section.markdown(), flush=True)
    return sections


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
