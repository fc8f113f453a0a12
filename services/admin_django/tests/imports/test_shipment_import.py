"""Importing a CSV of shipments: all of it, or none of it with a report of every rejected row."""

import csv
import io
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile

from waybill_contracts.jobs import JobState
from waybill_django.accounts.models import User
from waybill_django.imports.models import ShipmentImport, StagedRow
from waybill_django.imports.services import shipment_import_run, shipment_import_start
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment, TrackingEvent

HEADER = "reference,customer_email,origin_address,destination_address,delivery_window_start,delivery_window_end,parcels\n"


@pytest.fixture
def run_import(organization: Organization, dispatcher: User) -> Callable[[str], ShipmentImport]:
    def run(text: str) -> ShipmentImport:
        started = shipment_import_start(
            organization=organization, actor=dispatcher, upload=ContentFile(text.encode(), name="upload.csv")
        )
        finished = shipment_import_run(job_id=started.pk)
        assert finished is not None
        finished.job.refresh_from_db()
        return finished

    return run


def report_rows(shipment_import: ShipmentImport) -> list[list[str]]:
    with shipment_import.error_report.open("rb") as report:
        return list(csv.reader(io.StringIO(report.read().decode())))


def test_a_clean_file_creates_every_shipment_as_a_draft(
    run_import: Callable[[str], ShipmentImport], organization: Organization
) -> None:
    result = run_import(
        HEADER
        + "WB-1,a@example.test,1 Quay,2 Street,2026-03-01T08:00:00Z,2026-03-01T12:00:00Z,3\n"
        + "WB-2,,1 Quay,3 Road,,,\n"
    )

    assert result.job.state == JobState.SUCCEEDED
    assert result.job.percent == 100
    assert (result.rows_total, result.rows_imported, result.rows_rejected) == (2, 2, 0)
    shipments = Shipment.objects.in_organization(organization).order_by("reference")
    assert [(s.reference, s.status, s.parcels) for s in shipments] == [
        ("WB-1", "draft", 3),
        ("WB-2", "draft", 1),
    ]
    assert TrackingEvent.objects.in_organization(organization).count() == 2
    assert not StagedRow.objects.exists()


def test_a_file_with_bad_rows_imports_nothing_and_reports_each_one(
    run_import: Callable[[str], ShipmentImport], organization: Organization, dispatcher: User
) -> None:
    Shipment.objects.create(
        organization=organization, reference="WB-OLD", origin_address="a", destination_address="b"
    )
    result = run_import(
        HEADER
        + "WB-1,a@example.test,1 Quay,2 Street,,,\n"
        + "WB-2,not-an-email,1 Quay,2 Street,,,\n"
        + "WB-3,,1 Quay,,,,\n"
        + "WB-4,,1 Quay,2 Street,2026-03-01T12:00:00Z,2026-03-01T08:00:00Z,\n"
        + "WB-1,,1 Quay,2 Street,,,\n"
        + "WB-OLD,,1 Quay,2 Street,,,\n"
        + "WB-7,,1 Quay,2 Street,,,zero\n"
    )

    assert result.job.state == JobState.FAILED
    assert "7 of 7 rows were rejected, so none was imported" in result.job.error
    assert Shipment.objects.in_organization(organization).count() == 1
    assert report_rows(result) == [
        ["line", "reference", "errors"],
        ["2", "WB-1", "reference: appears more than once in the file"],
        ["3", "WB-2", "customer_email: Enter a valid email address."],
        ["4", "WB-3", "destination_address: This field is required."],
        ["5", "WB-4", "delivery_window_end: The delivery window must end after it starts."],
        ["6", "WB-1", "reference: appears more than once in the file"],
        ["7", "WB-OLD", "reference: a shipment with this reference already exists"],
        ["8", "WB-7", "parcels: Enter a whole number."],
    ]


def test_a_file_without_the_required_columns_is_refused_as_a_whole(
    run_import: Callable[[str], ShipmentImport],
) -> None:
    result = run_import("ref,from,to\nWB-1,a,b\n")

    assert result.job.state == JobState.FAILED
    assert "missing: destination_address, origin_address, reference" in result.job.error


def test_running_a_finished_import_again_does_nothing(
    run_import: Callable[[str], ShipmentImport], organization: Organization
) -> None:
    result = run_import(HEADER + "WB-1,,1 Quay,2 Street,,,\n")

    assert shipment_import_run(job_id=result.pk) is None
    assert Shipment.objects.in_organization(organization).count() == 1
