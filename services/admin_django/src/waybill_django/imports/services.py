"""Importing shipments from a CSV file: the whole file, or nothing.

A file with any rejected row imports nothing, and its report lists every
rejected row with the reason. Fixing those rows and uploading the same file
again is then always safe: a partial import would leave the valid rows in,
and the second upload would reject them all as duplicates.

The file is read as a stream in two passes over the database, never held in
memory: each row is validated and staged (``StagedRow``) with the progress
recorded as it goes; SQL then finds references repeated in the file or
already used; only if no row was rejected are the shipments created, in one
transaction. Imported shipments start as drafts, each with its timeline
entry; the import writes one audit entry and one event (the job's end)
instead of one per row, so a large file does not set off thousands of
emails and webhooks.

A row whose address names no city the offline gazetteer knows (and that
gives no coordinates) is still a valid draft, as it is in the form, but it has
no map position: the import lists it in a warning report, shown on the import's
page, so the dispatcher can set its pin before planning.
"""

import csv
import io
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files import File
from django.db import IntegrityError
from django.db.models import Count
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.jobs import JobKind
from waybill_django.accounts.models import User
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.services import audit_record
from waybill_django.core.bulk_copy import copy_create
from waybill_django.core.csv_cells import csv_cell
from waybill_django.core.transactions import unit_of_work
from waybill_django.imports.models import ShipmentImport, StagedRow
from waybill_django.imports.rows import COLUMNS, REQUIRED_COLUMNS, ShipmentRowForm, describe_errors
from waybill_django.jobs.models import Job
from waybill_django.jobs.services import job_create, job_fail, job_report_progress, job_start, job_succeed
from waybill_django.organizations.models import Organization
from waybill_django.organizations.permissions import Action, check_permission
from waybill_django.shipments.models import ADDRESS_FIELDS, COORDINATE_PAIRS, Shipment, TrackingEvent

BATCH_SIZE = 1000
# Share of the progress bar for validating and staging; the rest is creating the shipments.
STAGING_SHARE = 0.8


class FileRefused(Exception):
    """The file as a whole cannot be read as a shipment CSV."""


@dataclass
class _Counts:
    total: int = 0
    rejected: int = 0


def shipment_import_start(*, organization: Organization, actor: User, upload: File[bytes]) -> ShipmentImport:
    """Keep the uploaded file and queue its import."""
    check_permission(actor=actor, organization=organization, action=Action.MANAGE_SHIPMENTS)
    with unit_of_work():
        job = job_create(organization=organization, kind=JobKind.SHIPMENT_IMPORT, actor=actor)
        shipment_import = ShipmentImport(
            job=job, organization=organization, original_name=(upload.name or "shipments.csv")[:255]
        )
        shipment_import.source.save(f"{job.pk}.csv", upload, save=False)
        shipment_import.save()
    return shipment_import


def shipment_import_run(*, job_id: uuid.UUID, dispatch: int = 0) -> ShipmentImport | None:
    """Run the import of a queued job; None when the job already finished or was enqueued again."""
    job = job_start(job_id=job_id, dispatch=dispatch)
    if job is None:
        return None
    shipment_import = ShipmentImport.unscoped.select_related("job", "organization").get(job=job)
    staged = StagedRow.objects.filter(shipment_import=shipment_import)
    # Rows left by a run whose worker died; this run starts over.
    staged.delete()
    try:
        counts = _stage(shipment_import, job)
    except FileRefused as refusal:
        job_fail(job=job, error=str(refusal))
        return shipment_import
    _reject_duplicate_references(shipment_import)
    counts.rejected = staged.exclude(errors="").count()
    shipment_import.rows_total = counts.total
    shipment_import.rows_rejected = counts.rejected
    if counts.rejected:
        _save_error_report(shipment_import)
        shipment_import.save(update_fields=["rows_total", "rows_rejected", "error_report"])
        job_fail(
            job=job,
            error=f"{counts.rejected:,} of {counts.total:,} rows {'was' if counts.rejected == 1 else 'were'} "
            "rejected, so none was imported: download the report, correct them and upload the file again.",
        )
    else:
        try:
            with _report(
                shipment_import.warning_report, "unplaced", ["line", "reference", "warning"]
            ) as warnings:
                _create_shipments(shipment_import, job, total=counts.total, warnings=warnings)
                if not shipment_import.rows_unplaced:
                    warnings.discard()
            shipment_import.save(update_fields=["warning_report"])
        except IntegrityError:
            job_fail(
                job=job, error="A shipment with one of these references was created meanwhile: upload again."
            )
        else:
            job_succeed(job=job)
    staged.delete()
    return shipment_import


def _stage(shipment_import: ShipmentImport, job: Job) -> _Counts:
    counts = _Counts()
    size = shipment_import.source.size or 1
    with shipment_import.source.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        try:
            header = reader.fieldnames or []
            missing = REQUIRED_COLUMNS - set(header)
            unknown = set(header) - set(COLUMNS)
            if missing or unknown:
                raise FileRefused(
                    "The header must name the columns "
                    f"{', '.join(COLUMNS)} (required: {', '.join(sorted(REQUIRED_COLUMNS))}); "
                    + (f"missing: {', '.join(sorted(missing))}. " if missing else "")
                    + (f"unknown: {', '.join(sorted(unknown))}." if unknown else "")
                )
            batch: list[StagedRow] = []
            for row in reader:
                counts.total += 1
                batch.append(_staged_row(shipment_import, reader.line_num, row))
                if len(batch) == BATCH_SIZE:
                    copy_create(batch)
                    batch = []
                    job_report_progress(job=job, done=round(raw.tell() * STAGING_SHARE), total=size)
            copy_create(batch)
        except UnicodeDecodeError as error:
            raise FileRefused(f"The file is not UTF-8 text (byte {error.start} of a chunk).") from error
        except csv.Error as error:
            raise FileRefused(f"The file is not valid CSV near line {reader.line_num}: {error}") from error
        text.detach()
    return counts


def _staged_row(shipment_import: ShipmentImport, line: int, row: dict[str | None, Any]) -> StagedRow:
    if None in row:
        return StagedRow(
            shipment_import=shipment_import,
            line=line,
            reference=(row.get("reference") or "")[:64],
            fields={},
            errors="more values than columns",
        )
    form = ShipmentRowForm(
        data={name: (value or "").strip() for name, value in row.items() if name is not None}
    )
    if form.is_valid():
        return StagedRow(
            shipment_import=shipment_import,
            line=line,
            reference=form.cleaned_data["reference"],
            fields=form.cleaned_data,
        )
    return StagedRow(
        shipment_import=shipment_import,
        line=line,
        reference=(row.get("reference") or "")[:64],
        fields={},
        errors=describe_errors(form),
    )


def _reject_duplicate_references(shipment_import: ShipmentImport) -> None:
    valid = StagedRow.objects.filter(shipment_import=shipment_import, errors="")
    # Read first, then update by the list: as one UPDATE … IN (subquery) over rows staged moments
    # ago (no statistics yet), PostgreSQL once chose a plan that ran past the statement timeout.
    repeated = list(
        valid.values("reference")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
        .values_list("reference", flat=True)
    )
    if repeated:
        valid.filter(reference__in=repeated).update(errors="reference: appears more than once in the file")
    taken = Shipment.unscoped.filter(organization_id=shipment_import.organization_id).values("reference")
    valid.filter(reference__in=taken).update(
        errors="reference: a shipment with this reference already exists"
    )


class _ReportWriter:
    """Rows of a CSV report written to a temporary file; saved to the import's field unless discarded."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._writer = csv.writer(text)
        self.discarded = False

    def row(self, *cells: object) -> None:
        self._writer.writerow([csv_cell(cell) for cell in cells])

    def discard(self) -> None:
        self.discarded = True


@contextmanager
def _report(field: FieldFile, name: str, header: list[str]) -> Iterator[_ReportWriter]:
    """A CSV report written row by row and stored in ``field`` (never held in memory) when the block ends."""
    with tempfile.TemporaryFile("w+b") as report:
        text = io.TextIOWrapper(report, encoding="utf-8", newline="")
        writer = _ReportWriter(text)
        writer.row(*header)
        yield writer
        text.flush()
        text.detach()
        if not writer.discarded:
            report.seek(0)
            field.save(f"{field.instance.pk}-{name}.csv", File(report), save=False)


def _save_error_report(shipment_import: ShipmentImport) -> None:
    rejected = StagedRow.objects.filter(shipment_import=shipment_import).exclude(errors="").order_by("line")
    with _report(shipment_import.error_report, "rejected", ["line", "reference", "errors"]) as report:
        for line, reference, errors in rejected.values_list("line", "reference", "errors").iterator(
            BATCH_SIZE
        ):
            report.row(line, reference, errors)


def unplaced_warning(fields: dict[str, Any]) -> str:
    """What a dispatcher must do about a row's ends without coordinates; empty when both are placed."""
    ends = [
        address.removesuffix("_address")
        for address, (latitude, longitude) in zip(ADDRESS_FIELDS, COORDINATE_PAIRS, strict=True)
        if fields.get(latitude) is None or fields.get(longitude) is None
    ]
    if not ends:
        return ""
    return (
        f"The offline gazetteer knows no city in its {' and '.join(ends)} address, so it has no map "
        "position: set its pin (or add the coordinates) before planning, or the planner leaves it out."
    )


@unit_of_work()
def _create_shipments(
    shipment_import: ShipmentImport, job: Job, *, total: int, warnings: _ReportWriter
) -> None:
    organization = shipment_import.organization
    actor = job.created_by
    now = timezone.now()
    staged = StagedRow.objects.filter(shipment_import=shipment_import).order_by("line")
    created = unplaced = 0
    batch: list[Shipment] = []
    for line, fields in staged.values_list("line", "fields").iterator(BATCH_SIZE):
        batch.append(Shipment(organization=organization, created_by=actor, **fields))
        if warning := unplaced_warning(fields):
            warnings.row(line, fields["reference"], warning)
            unplaced += 1
        if len(batch) == BATCH_SIZE:
            created += _insert(batch, actor=actor, now=now)
            batch = []
            job_report_progress(
                job=job, done=round((STAGING_SHARE + (1 - STAGING_SHARE) * created / total) * 100), total=100
            )
    created += _insert(batch, actor=actor, now=now)
    shipment_import.rows_imported = created
    shipment_import.rows_unplaced = unplaced
    shipment_import.save(update_fields=["rows_total", "rows_rejected", "rows_imported", "rows_unplaced"])
    audit_record(
        action=AuditAction.SHIPMENTS_IMPORTED,
        target=shipment_import,
        actor=actor,
        organization=organization,
        data={"file": shipment_import.original_name, "rows": created},
    )


def _insert(shipments: list[Shipment], *, actor: User | None, now: datetime) -> int:
    copy_create(shipments)
    copy_create(
        [
            TrackingEvent(
                shipment=shipment,
                organization_id=shipment.organization_id,
                status=ShipmentStatus.DRAFT.value,
                note="imported",
                actor=actor,
                occurred_at=now,
            )
            for shipment in shipments
        ]
    )
    return len(shipments)
