"""``make bench-smoke`` inside ``make test``: every scenario runs end to end at a tiny size.

It checks the harness (services start in production mode, load generators
connect, every scenario reports, plots are drawn), never a speed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_every_scenario_runs_at_a_tiny_size_and_reports(
    tmp_path: Path, migrated_database_url: str, redis_url: str
) -> None:
    out = tmp_path / "results"
    completed = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--out", str(out)],
        env={
            **os.environ,
            "DATABASE_URL": migrated_database_url,
            "REDIS_URL": redis_url,
            "BENCH_DATABASE_MIGRATED": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    report = (out / "report.md").read_text()
    assert report.startswith("# Waybill benchmarks")
    for title in ("## Fan-out", "## Public tracking", "## Telemetry ingest", "## Shipment CSV import"):
        assert title in report
    for plot in ("fanout.png", "csv_import.png"):
        assert (out / plot).stat().st_size > 0
    fanout_rows = [
        line
        for line in report.splitlines()
        if line.startswith(("| waybill-realtime", "| bare websockets.broadcast"))
        and line.split(" | ")[2] in ("open", "closed")
    ]
    assert len(fanout_rows) == 8  # 2 sizes x 2 targets x open and closed loop
    assert all(row.split(" | ")[10] == "0" for row in fanout_rows)  # lost: nothing, at this size
    tracking = report.split("## Public tracking", 1)[1].split("\n## ", 1)[0]
    assert "| errors | cut off |" in tracking  # requests in flight at the deadline, counted apart
    judged = [line for line in tracking.splitlines() if line.startswith("| public tracking ")]
    assert [("requests/s" in row, "server CPU per request" in row) for row in judged] == [
        (True, False),
        (False, True),
    ] * 3, judged  # each target judged on requests/s and on server CPU, in a row of its own
    time_rows = report.split("## Where the run's time went", 1)[1].splitlines()
    timed = {line.split(" | ")[0].removeprefix("| ") for line in time_rows if line.startswith("| ")}
    assert {"fanout", "tracking", "ingest", "csv_import", "end_to_end"} <= timed, time_rows
