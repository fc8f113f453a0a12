"""What every benchmark returns, and how it is written under bench/reports/."""

from dataclasses import dataclass, field
from pathlib import Path

REPORTS_DIR = Path(__file__).resolve().parent / "reports"


@dataclass
class Report:
    name: str
    title: str
    summary: str
    table_header: list[str]
    table_rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    plot: Path | None = None

    def markdown(self) -> str:
        lines = [f"# {self.title}", "", self.summary, ""]
        lines.append("| " + " | ".join(self.table_header) + " |")
        lines.append("| " + " | ".join("---" for _ in self.table_header) + " |")
        lines += ["| " + " | ".join(row) + " |" for row in self.table_rows]
        if self.plot:
            lines += ["", f"![{self.title}]({self.plot.name})"]
        if self.notes:
            lines += ["", *[f"- {note}" for note in self.notes]]
        return "\n".join(lines) + "\n"

    def write(self) -> Path:
        REPORTS_DIR.mkdir(exist_ok=True)
        path = REPORTS_DIR / f"{self.name}.md"
        path.write_text(self.markdown())
        return path
