"""What every scenario returns (a section of the run's report), and the README summary kept from it."""

import re
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR.parent / "README.md"
SUMMARY_START = "<!-- bench-summary:start -->"
SUMMARY_END = "<!-- bench-summary:end -->"


@dataclass
class Section:
    name: str
    title: str
    summary: str
    table_header: list[str]
    table_rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)
    targets: list[list[str]] = field(default_factory=list)
    """README rows: target, measured, met."""
    seconds: float = 0.0
    """Wall time of the scenario (set by ``run.py``)."""
    stages: dict[str, float] = field(default_factory=dict)
    """Its seconds per stage (``stages.lap``; set by ``run.py``)."""

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", self.summary, ""]
        lines.append("| " + " | ".join(self.table_header) + " |")
        lines.append("| " + " | ".join("---" for _ in self.table_header) + " |")
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows]
        if self.targets:
            lines += ["", "| target | measured | met |", "| --- | --- | --- |"]
            lines += ["| " + " | ".join(row) + " |" for row in self.targets]
        lines += [""] + [f"![{plot.stem}]({plot.name})" for plot in self.plots]
        if self.notes:
            lines += ["", *[f"- {note}" for note in self.notes]]
        return "\n".join(lines) + "\n"


def update_readme(readme: Path, sections: list[Section], report: Path) -> None:
    """Replace the README's summary table with this run's targets (between the bench-summary markers)."""
    relative = report.relative_to(readme.parent)
    rows = [row for section in sections for row in section.targets]
    table = [
        SUMMARY_START,
        f"From [`{relative}`]({relative}):",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        *["| " + " | ".join(row) + " |" for row in rows],
        SUMMARY_END,
    ]
    text = readme.read_text()
    pattern = re.compile(re.escape(SUMMARY_START) + ".*?" + re.escape(SUMMARY_END), re.DOTALL)
    if not pattern.search(text):
        raise RuntimeError(f"{readme} has no {SUMMARY_START} ... {SUMMARY_END} block to update")
    readme.write_text(pattern.sub(lambda _: "\n".join(table), text))


def number(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"  # NaN is not equal to itself
