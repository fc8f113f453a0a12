"""The shipments list as CSV, for a spreadsheet."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from waybill_django.core.csv_cells import csv_cell
from waybill_django.shipments.models import Shipment

EXPORT_LIMIT = 10_000
"""Rows one export holds; a larger list is narrowed with the filters first."""

EXPORT_COLUMNS = (
    "reference",
    "status",
    "customer_name",
    "customer_email",
    "origin_address",
    "destination_address",
    "vehicle",
    "pickup_window_start",
    "pickup_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "weight_kg",
    "parcels",
    "tracking_code",
    "created_at",
)


class _Line:
    """A file-like sink that hands back what ``csv.writer`` wrote, one line at a time."""

    def write(self, value: str) -> str:
        return value


def shipments_csv(shipments: QuerySet[Shipment]) -> Iterator[str]:
    """Header and one line per shipment (times in ISO 8601 UTC), every text cell made formula-inert."""
    writer = csv.writer(_Line())
    yield writer.writerow(EXPORT_COLUMNS)
    for s in shipments.select_related("vehicle")[:EXPORT_LIMIT].iterator(chunk_size=500):
        values: list[object] = [
            s.reference,
            s.status,
            s.customer_name,
            s.customer_email,
            s.origin_address,
            s.destination_address,
            s.vehicle.plate if s.vehicle else "",
            *(
                getattr(s, name).isoformat() if getattr(s, name) else ""
                for name in (
                    "pickup_window_start",
                    "pickup_window_end",
                    "delivery_window_start",
                    "delivery_window_end",
                )
            ),
            "" if s.weight_kg is None else s.weight_kg,
            s.parcels,
            s.tracking_code,
            s.created_at.isoformat(),
        ]
        yield writer.writerow([csv_cell(value) for value in values])
