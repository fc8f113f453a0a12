import csv
import io
from dataclasses import dataclass
from uuid import UUID

from waybill_django.core.csv_cells import FORMULA_PREFIXES
from waybill_django.imports.models import ShipmentImport
from waybill_django.organizations.models import Organization


def shipment_import_get(*, organization: Organization, job_id: UUID) -> ShipmentImport:
    """An import with its job; its ``error_report`` is the downloadable list of rejected rows."""
    return ShipmentImport.objects.in_organization(organization).select_related("job").get(job_id=job_id)


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reference: str
    errors: str


def shipment_import_rejected_rows(*, shipment_import: ShipmentImport, limit: int) -> list[RejectedRow]:
    """The first ``limit`` rejected rows, read back from the error report (the staged rows are gone)."""
    if not shipment_import.error_report:
        return []
    rows: list[RejectedRow] = []
    with shipment_import.error_report.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        for record in csv.DictReader(text):
            if len(rows) == limit:
                break
            rows.append(
                RejectedRow(
                    line=int(record["line"]),
                    reference=_plain(record["reference"]),
                    errors=_plain(record["errors"]),
                )
            )
        text.detach()
    return rows


def _plain(cell: str) -> str:
    """The value ``csv_cell`` wrote, without the quote it puts before a formula-like cell."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) else cell
