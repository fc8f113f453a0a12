import csv
import io
from dataclasses import dataclass
from uuid import UUID

from django.db.models.fields.files import FieldFile

from waybill_django.core.csv_cells import FORMULA_PREFIXES
from waybill_django.imports.models import ShipmentImport
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment


def shipment_import_get(*, organization: Organization, job_id: UUID) -> ShipmentImport:
    """An import with its job; its ``error_report`` is the downloadable list of rejected rows."""
    return ShipmentImport.objects.in_organization(organization).select_related("job").get(job_id=job_id)


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reference: str
    errors: str


@dataclass(frozen=True)
class UnplacedRow:
    """An imported row without a map position, and the shipment it became (to set its pin)."""

    line: int
    reference: str
    warning: str
    shipment_id: int | None


def shipment_import_rejected_rows(*, shipment_import: ShipmentImport, limit: int) -> list[RejectedRow]:
    """The first ``limit`` rejected rows, read back from the error report (the staged rows are gone)."""
    return [
        RejectedRow(line=int(record["line"]), reference=record["reference"], errors=record["errors"])
        for record in _report_rows(shipment_import.error_report, limit=limit)
    ]


def shipment_import_unplaced_rows(*, shipment_import: ShipmentImport, limit: int) -> list[UnplacedRow]:
    """The first ``limit`` imported rows the gazetteer could not place, with their shipments' ids."""
    records = _report_rows(shipment_import.warning_report, limit=limit)
    ids = dict(
        Shipment.unscoped.filter(
            organization_id=shipment_import.organization_id,
            reference__in=[record["reference"] for record in records],
        ).values_list("reference", "id")
    )
    return [
        UnplacedRow(
            line=int(record["line"]),
            reference=record["reference"],
            warning=record["warning"],
            shipment_id=ids.get(record["reference"]),
        )
        for record in records
    ]


def _report_rows(report: FieldFile, *, limit: int) -> list[dict[str, str]]:
    """The first ``limit`` rows of one of an import's CSV reports, as the import wrote them."""
    if not report:
        return []
    rows: list[dict[str, str]] = []
    with report.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        for record in csv.DictReader(text):
            if len(rows) == limit:
                break
            rows.append({name: _plain(value) for name, value in record.items()})
        text.detach()
    return rows


def _plain(cell: str) -> str:
    """The value ``csv_cell`` wrote, without the quote it puts before a formula-like cell."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) else cell
