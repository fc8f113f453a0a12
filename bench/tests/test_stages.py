"""The report says where a run's time went: each scenario's wall time in the header, its stages in a table."""

import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))  # run.py's own imports are the bench directory's modules

import run  # noqa: E402 - after the bench directory is on the path
import stages  # noqa: E402 - after the bench directory is on the path

SCENARIO = """
import time
from pathlib import Path

import stages
from report import Section


def run(out: Path, *, smoke: bool) -> Section:
    time.sleep(0.2)
    stages.lap(stages.START, "a server")
    time.sleep(0.3)
    stages.lap(stages.MEASURE, "one run")
    return Section(name="timed", title="Timed", summary="", table_header=["a"], table_rows=[["1"]])
"""


def test_the_report_gives_each_scenarios_wall_time_and_its_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "timed_scenario.py").write_text(SCENARIO)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(run.SCENARIOS, "timed", "timed_scenario:run")

    assert run.main(["--smoke", "--out", str(tmp_path / "results"), "timed"]) == 0

    console = capsys.readouterr().out
    assert "timed: start servers (a server): " in console
    assert "timed: measure (one run): " in console
    report = (tmp_path / "results" / "report.md").read_text()
    assert "- wall time per scenario: timed " in report.split("\n## ", 1)[0]
    table = report.split("## Where the run's time went", 1)[1].strip().splitlines()
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    row = next(line for line in table if line.startswith("| timed |"))
    cells = dict(zip(header, (cell.strip() for cell in row.strip("|").split("|")), strict=True))
    assert header == ["scenario", "wall s", "start servers", "measure", "other"]
    assert float(cells["start servers"]) >= 0.2
    assert float(cells["measure"]) >= 0.3
    assert float(cells["wall s"]) >= float(cells["start servers"]) + float(cells["measure"])


def test_laps_cover_the_whole_scenario_and_name_only_known_stages() -> None:
    watch = stages.begin("laps")
    time.sleep(0.05)
    stages.lap(stages.CONNECT)
    time.sleep(0.05)
    stages.lap(stages.CONNECT)
    stages.lap(stages.PLOT)
    with pytest.raises(ValueError, match="unknown stage 'coffee'"):
        watch.lap("coffee")
    wall, seconds = stages.end()

    assert set(seconds) == {stages.CONNECT, stages.PLOT}
    assert seconds[stages.CONNECT] >= 0.1
    assert sum(seconds.values()) == pytest.approx(wall, abs=0.01)
    stages.lap(stages.MEASURE)  # no scenario running: nothing recorded, nothing raised
    assert stages.end() == (0.0, {})


def test_a_smoke_run_starts_its_longest_scenarios_first() -> None:
    assert set(run.SMOKE_LONGEST) <= set(run.SCENARIOS)  # a renamed scenario would silently lose its place
    order = sorted(run.SCENARIOS, key=run._smoke_order)
    assert order[: len(run.SMOKE_LONGEST)] == list(run.SMOKE_LONGEST)
