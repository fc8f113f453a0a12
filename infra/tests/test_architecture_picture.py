"""The README's architecture picture is rendered from its checked-in source, and the README shows it."""

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
SOURCE = ROOT / "docs" / "architecture.dot"
PICTURE = ROOT / "docs" / "architecture.svg"


def test_the_picture_was_rendered_from_the_current_source() -> None:
    stamp = re.search(r"<!-- source sha256 ([0-9a-f]{64}) -->", PICTURE.read_text())
    assert stamp is not None, "render it with `make architecture`"
    assert stamp.group(1) == hashlib.sha256(SOURCE.read_bytes()).hexdigest(), (
        "docs/architecture.dot changed after the picture was rendered: run `make architecture`"
    )


def test_the_readme_shows_the_picture_and_points_at_its_source() -> None:
    readme = ROOT.joinpath("README.md").read_text()
    assert "](docs/architecture.svg)" in readme
    assert "docs/architecture.dot" in readme


def test_the_picture_draws_every_scheduled_job_and_every_way_out() -> None:
    text = SOURCE.read_text()
    for drawn in (
        "re-send unsent outbox rows",
        "dispatch due webhooks",
        "re-enqueue stalled jobs",
        "refresh stale ETAs",
        "detect offline vehicles",
        "report late",
        "prune positions",
        "monthly reports",
        "SMTP",
        "Webhook receivers",
        "job progress",
        "waybill.eta.recompute",
        "the worker's own outbox relay",
    ):
        assert drawn in text, drawn
    beat = ROOT.joinpath("services/worker/src/waybill_worker/celery_app.py").read_text()
    schedule = beat[beat.index("beat_schedule=") :]
    assert len(re.findall(r'^        "[a-z-]+": ', schedule, flags=re.MULTILINE)) == 8, (
        "a scheduled job was added or removed: draw it in docs/architecture.dot"
    )
