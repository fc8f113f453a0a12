"""Shipment CSV import: time and peak memory for a 100,000-row file.

Run through ``waybill-dev run`` so that throwaway PostgreSQL and Redis are in
DATABASE_URL and REDIS_URL:

    .venv/bin/waybill-dev run .venv/bin/python bench/csv_import.py [rows]

The worker's memory is sampled every 10 ms (resident set size) while the
import runs in this process, exactly as the import task runs it.
"""

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from report import Report

from waybill_devstack import stack

ROWS = 100_000


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write(
            "reference,customer_email,origin_address,destination_address,delivery_window_end,weight_kg\n"
        )
        for number in range(rows):
            out.write(
                f"BULK-{number:06d},c{number}@example.test,{number} Quay,{number} Street,"
                "2026-03-01T12:00:00Z,12.5\n"
            )


class PeakRss:
    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run(rows: int = ROWS) -> Report:
    os.environ["DJANGO_SETTINGS_MODULE"] = "waybill_django.config.settings.test"
    stack.manage("migrate", "--verbosity", "0", env=dict(os.environ))
    import django

    django.setup()
    from django.core.files import File
    from django.test.utils import override_settings

    from waybill_contracts.enums import Role
    from waybill_django.accounts.models import User
    from waybill_django.imports.services import shipment_import_run, shipment_import_start
    from waybill_django.organizations.models import Membership, Organization

    with (
        tempfile.TemporaryDirectory() as scratch,
        override_settings(
            MEDIA_ROOT=Path(scratch) / "media",
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
    ):
        organization = Organization.objects.create(name="Bench Freight", slug=f"bench-{time.time_ns()}")
        user = User.objects.create_user(f"bench-{time.time_ns()}@bench.test", "correct horse battery")
        Membership.objects.create(user=user, organization=organization, role=Role.DISPATCHER)
        source = Path(scratch) / "shipments.csv"
        write_csv(source, rows)
        with source.open("rb") as upload:
            started = shipment_import_start(organization=organization, actor=user, upload=File(upload))
        baseline = psutil.Process().memory_info().rss
        began = time.monotonic()
        with PeakRss() as memory:
            result = shipment_import_run(job_id=started.pk)
        seconds = time.monotonic() - began
        size_mib = source.stat().st_size / 2**20
    if result is None or result.rows_imported != rows:
        raise RuntimeError(f"the import did not complete: {result and result.job.error}")
    growth = (memory.peak - baseline) / 2**20
    return Report(
        name="csv_import",
        title="Shipment CSV import",
        summary=f"{rows:,} rows imported in {seconds:.1f} s; the process grew by {growth:.1f} MiB at its peak.",
        table_header=["rows", "seconds", "rows/s", "RSS before (MiB)", "peak RSS (MiB)", "peak growth (MiB)"],
        table_rows=[
            [
                f"{rows:,}",
                f"{seconds:.1f}",
                f"{rows / seconds:,.0f}",
                f"{baseline / 2**20:.1f}",
                f"{memory.peak / 2**20:.1f}",
                f"{growth:.1f}",
            ]
        ],
        notes=[
            f"file size {size_mib:.1f} MiB",
            "validation and staging stream the file; creation is one transaction",
        ],
    )


if __name__ == "__main__":
    report = run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)
    print(report.markdown())
