"""A 10,000-row file is imported within a small, constant amount of memory.

``bench/csv_import.py`` measures 10,000 against 100,000 rows (memory stays flat as the file grows).
"""

import threading
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.core.files import File

from waybill_contracts.jobs import JobState
from waybill_django.accounts.models import User
from waybill_django.core import gazetteer
from waybill_django.imports.services import shipment_import_run, shipment_import_start
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

ROWS = 10_000
# Holding the file or its rows in memory would grow with it; streaming stays within a few MiB.
MEMORY_GROWTH_CEILING_BYTES = 48 * 1024 * 1024


def peak_rss_while(work: threading.Event) -> list[int]:
    """Sample this process's resident memory every 10 ms until ``work`` is set."""
    process = psutil.Process()
    samples = [process.memory_info().rss]

    def sample() -> None:
        while not work.wait(0.01):
            samples.append(process.memory_info().rss)

    threading.Thread(target=sample, daemon=True).start()
    return samples


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write(
            "reference,customer_email,origin_address,destination_address,delivery_window_end,weight_kg\n"
        )
        for number in range(rows):
            out.write(
                f"BULK-{number:06d},c{number}@example.test,{number} Quay,{number} Street,2026-03-01T12:00:00Z,12.5\n"
            )


@pytest.mark.timeout(300)
def test_a_10k_row_file_is_imported_in_constant_memory(
    organization: Organization, dispatcher: User, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    source = tmp_path / "shipments.csv"
    write_csv(source, ROWS)
    with source.open("rb") as upload:
        started = shipment_import_start(organization=organization, actor=dispatcher, upload=File(upload))

    gazetteer.load()  # a fixed table servers load at start (worker, gunicorn); what is measured here is the rows
    done = threading.Event()
    samples = peak_rss_while(done)
    try:
        result = shipment_import_run(job_id=started.pk)
    finally:
        done.set()
    growth = max(samples) - samples[0]

    assert result is not None
    result.job.refresh_from_db()
    assert result.job.state == JobState.SUCCEEDED, result.job.error
    assert Shipment.objects.in_organization(organization).count() == ROWS
    print(f"peak memory growth while importing {ROWS} rows: {growth / 2**20:.1f} MiB")  # noqa: T201 - the figure is the point of the test; -s shows it
    assert growth < MEMORY_GROWTH_CEILING_BYTES
