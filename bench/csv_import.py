"""Shipment CSV import: time and peak memory for a 100,000-row file.

Run through ``waybill-dev run`` so that throwaway PostgreSQL and Redis are in
DATABASE_URL and REDIS_URL:

    make bench BENCH=csv_import   (make bench-smoke: tiny sizes)

The worker's memory is sampled every 10 ms (resident set size) while the
import runs in this process, exactly as the import task runs it.
"""

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import psutil
import stages
from environment import MIGRATED_FLAG
from report import Section

from waybill_devstack import stack

matplotlib.use("Agg")
from matplotlib import pyplot

SIZES = (10_000, 100_000)


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


@dataclass(frozen=True)
class Measurement:
    rows: int
    seconds: float
    baseline_mib: float
    peak_mib: float
    file_mib: float

    @property
    def growth_mib(self) -> float:
        return self.peak_mib - self.baseline_mib


def measure(rows: int) -> Measurement:
    from django.core.files import File
    from django.test.utils import override_settings

    from waybill_contracts.enums import Role
    from waybill_django.accounts.models import User
    from waybill_django.core import gazetteer
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
        gazetteer.load()  # as the worker does before it forks its pool (waybill_worker.preload)
        baseline = psutil.Process().memory_info().rss
        began = time.monotonic()
        with PeakRss() as memory:
            result = shipment_import_run(job_id=started.pk)
        seconds = time.monotonic() - began
        file_mib = source.stat().st_size / 2**20
    if result is None or result.rows_imported != rows:
        raise RuntimeError(f"the import did not complete: {result and result.job.error}")
    return Measurement(rows, seconds, baseline / 2**20, memory.peak / 2**20, file_mib)


def run_section(out: Path, *, smoke: bool) -> Section:
    sizes = (500, 1000) if smoke else SIZES
    if os.environ.get(MIGRATED_FLAG) != "1":
        stack.manage("migrate", "--verbosity", "0", env=dict(os.environ))
    stages.lap(stages.SEED, "migrate")
    # Each size in a fresh process, so that one's memory is not the next one's baseline; one after the
    # other in a full run (the rows/s compare), at once in a smoke run (which checks the harness, not a speed).
    batches = [sizes] if smoke else [(rows,) for rows in sizes]
    measurements = []
    for batch in batches:
        processes = [
            subprocess.Popen([sys.executable, __file__, str(rows)], stdout=subprocess.PIPE, text=True)
            for rows in batch
        ]
        for rows, process in zip(batch, processes, strict=True):
            output, _ = process.communicate()
            if process.returncode:
                raise subprocess.CalledProcessError(process.returncode, process.args, output)
            measurement = Measurement(**json.loads(output.splitlines()[-1]))
            print(
                f"csv_import: {rows:,} rows in {measurement.seconds:.1f} s, +{measurement.growth_mib:.1f} MiB",
                flush=True,
            )
            measurements.append(measurement)
        stages.lap(
            stages.MEASURE, f"{', '.join(f'{rows:,}' for rows in batch)} rows, each in a fresh process"
        )
    smallest, largest = measurements[0], measurements[-1]
    return Section(
        name="csv_import",
        title="Shipment CSV import",
        summary=(
            f"A file {largest.rows / smallest.rows:.0f}x larger made the importing process grow"
            f" {largest.growth_mib / max(smallest.growth_mib, 0.1):.1f}x as much at its peak"
            f" ({smallest.growth_mib:.1f} MiB against {largest.growth_mib:.1f} MiB), at"
            f" {largest.rows / largest.seconds / (smallest.rows / smallest.seconds):.2f}x the rows per second."
            " Each size in a fresh process, in one run."
        ),
        table_header=[
            "rows",
            "file (MiB)",
            "seconds",
            "rows/s",
            "RSS before (MiB)",
            "peak RSS (MiB)",
            "peak growth (MiB)",
        ],
        table_rows=[
            [
                f"{m.rows:,}",
                f"{m.file_mib:.1f}",
                f"{m.seconds:.1f}",
                f"{m.rows / m.seconds:,.0f}",
                f"{m.baseline_mib:.1f}",
                f"{m.peak_mib:.1f}",
                f"{m.growth_mib:.1f}",
            ]
            for m in measurements
        ],
        notes=[
            "RSS sampled every 10 ms while shipment_import_run runs in this process, as the import task runs it;"
            " the offline gazetteer is loaded before (and counts in the RSS before), as the worker loads it before"
            " it forks its pool.",
            "Validation and staging stream the file; creating the shipments is one transaction (all or nothing);"
            " rows are written by COPY (decision 0506).",
        ],
        plots=[_plot(measurements, out / "csv_import.png")],
    )


def _plot(measurements: list[Measurement], path: Path) -> Path:
    figure, axis = pyplot.subplots(figsize=(7, 4))
    labels = [f"{m.rows:,} rows\n{m.file_mib:.1f} MiB file" for m in measurements]
    axis.bar(labels, [m.growth_mib for m in measurements], color="#2b6cb0")
    axis.set_ylabel("peak memory growth (MiB)")
    axis.set_title("CSV import: memory does not follow the file size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path


def measure_in_this_process(rows: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "waybill_django.config.settings.test"
    import django

    django.setup()
    print(json.dumps(dataclasses.asdict(measure(rows))))


if __name__ == "__main__":
    measure_in_this_process(int(sys.argv[1]))
