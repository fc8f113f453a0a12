"""``make bench`` / ``make bench-smoke``: every scenario, side by side with its bare ceiling, in one run.

Run through ``waybill-dev run`` so that throwaway PostgreSQL and Redis are
in DATABASE_URL and REDIS_URL. Writes ``bench/results/<timestamp>/report.md``
with its plots; a full run (not ``--smoke``) also refreshes the README's
summary table from the same figures.

    python bench/run.py [--smoke] [scenario ...]
"""

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from report import README, RESULTS_DIR, Section, update_readme

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
    sections: list[Section] = []
    for name in selected:
        print(f"== {name}", flush=True)
        began = time.monotonic()
        section = scenario(name)(out, smoke=args.smoke)
        sections.append(section)
        print(section.markdown(), flush=True)
        print(f"== {name}: {time.monotonic() - began:.0f} s", flush=True)
    from environment import machine_header

    header = machine_header(smoke=args.smoke, seconds=time.monotonic() - started)
    report = out / "report.md"
    report.write_text("\n".join([header, *(section.markdown() for section in sections)]))
    print(f"report: {report}")
    if not args.smoke and set(selected) == set(SCENARIOS):
        update_readme(README, sections, report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
