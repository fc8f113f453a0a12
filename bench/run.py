"""``make bench``: run every benchmark, write its report under bench/reports/, print a summary.

Run through ``waybill-dev run`` so that throwaway PostgreSQL and Redis are
in DATABASE_URL and REDIS_URL.
"""

import sys
import time

import csv_import
import fanout
from report import Report

BENCHMARKS = {"fanout": fanout.run, "csv_import": csv_import.run}


def main(selected: list[str]) -> int:
    unknown = set(selected) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
        return 2
    for name, run in BENCHMARKS.items():
        if selected and name not in selected:
            continue
        started = time.monotonic()
        print(f"== {name}", flush=True)
        report: Report = run()
        path = report.write()
        print(report.markdown())
        print(f"== {name}: {time.monotonic() - started:.0f} s, report in {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
