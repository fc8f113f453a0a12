"""Importing shipments: upload, the live progress page, the error report."""

from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from waybill_contracts.enums import Role
from waybill_contracts.jobs import JobKind, JobState
from waybill_django.accounts.models import User
from waybill_django.imports.models import ShipmentImport
from waybill_django.imports.rows import COLUMNS
from waybill_django.imports.services import shipment_import_run, shipment_import_start
from waybill_django.jobs.models import Job
from waybill_django.jobs.services import job_create
from waybill_django.organizations.models import Organization
from waybill_django.shipments.models import Shipment

CSV = b"reference,origin_address,destination_address\nIMP-1,A,B\n"


def test_an_upload_starts_an_import_and_shows_its_progress(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.DISPATCHER])
    response = client.post(
        reverse("dashboard:imports"), {"file": SimpleUploadedFile("mine.csv", CSV, "text/csv")}
    )
    assert response.status_code == 302
    started = ShipmentImport.objects.in_organization(organization).get()
    assert response["Location"] == reverse("dashboard:import", args=[started.job_id])
    page = client.get(response["Location"]).content.decode()
    assert f'data-job-id="{started.job_id}"' in page
    assert 'data-live-job="' in page
    assert "mine.csv" in client.get(reverse("dashboard:imports")).content.decode()


def test_an_upload_without_a_file_is_a_field_error(
    members: dict[Role, User], signed_in: Callable[[User], Client]
) -> None:
    response = signed_in(members[Role.DISPATCHER]).post(reverse("dashboard:imports"), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_failed_import_offers_its_error_report(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    job = job_create(organization=organization, kind=JobKind.SHIPMENT_IMPORT, actor=members[Role.DISPATCHER])
    Job.unscoped.filter(pk=job.pk).update(state=JobState.FAILED.value)
    item = ShipmentImport(
        job=job, organization=organization, original_name="bad.csv", rows_total=2, rows_rejected=1
    )
    item.source.save("bad.csv", ContentFile(CSV), save=False)
    item.error_report.save(
        "bad-rejected.csv", ContentFile(b"line,reference,errors\n2,IMP-1,duplicate\n"), save=False
    )
    item.save()
    client = signed_in(members[Role.DISPATCHER])
    page = client.get(reverse("dashboard:import", args=[job.pk])).content.decode()
    assert "1 of 2 rows was rejected" in page
    download = client.get(reverse("dashboard:import_errors", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="bad-errors.csv"'
    assert b"duplicate" in b"".join(download.streaming_content)  # type: ignore[attr-defined]


def _run(organization: Organization, actor: User, text: bytes) -> ShipmentImport:
    started = shipment_import_start(
        organization=organization, actor=actor, upload=ContentFile(text, name="upload.csv")
    )
    finished = shipment_import_run(job_id=started.pk)
    assert finished is not None
    return finished


def test_rejected_rows_are_listed_on_the_page_the_first_fifty(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    rows = "".join(f"BAD-{n},,B\n" for n in range(60))
    rows += "GOOD-1,A,B\n"
    finished = _run(
        organization,
        members[Role.DISPATCHER],
        b"reference,origin_address,destination_address\n" + rows.encode(),
    )
    page = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:import", args=[finished.job_id]))
    body = page.content.decode()
    assert "60 of 61 rows were rejected" in body
    table = body[body.index('id="rejected-rows"') : body.index("</table>")]
    assert "The first 50 of 60 rejected rows; the error report lists them all" in table
    assert table.count('<tr><th scope="row">') == 50
    assert '<th scope="row">2</th><td>BAD-0</td><td>origin_address: This field is required.</td>' in table
    assert "BAD-49" in table
    assert "BAD-50" not in table
    assert "Download the error report" in body


def test_a_single_rejected_row_reads_as_one_and_shows_its_line(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    rows = "".join(f"OK-{n},A,B\n" for n in range(1, 1200)) + "OK-1200,A,\n"
    finished = _run(
        organization,
        members[Role.DISPATCHER],
        b"reference,origin_address,destination_address\n" + rows.encode(),
    )
    body = (
        signed_in(members[Role.DISPATCHER])
        .get(reverse("dashboard:import", args=[finished.job_id]))
        .content.decode()
    )
    assert "1 of 1,200 rows was rejected, so nothing was imported. Fix it and upload the file again." in body
    assert "Rejected row</caption>" in body
    assert (
        '<th scope="row">1201</th><td>OK-1200</td><td>destination_address: This field is required.</td>'
        in body
    )


def test_the_sample_csv_downloads_and_imports_cleanly(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    client = signed_in(members[Role.DISPATCHER])
    index = client.get(reverse("dashboard:imports")).content.decode()
    assert f'href="{reverse("dashboard:import_sample")}"' in index
    sample = client.get(reverse("dashboard:import_sample"))
    assert sample.status_code == 200
    assert sample["Content-Type"] == "text/csv; charset=utf-8"
    assert sample["Content-Disposition"] == 'attachment; filename="waybill-shipments-sample.csv"'
    header = sample.content.decode().splitlines()[0].split(",")
    assert header == list(COLUMNS)
    finished = _run(organization, members[Role.DISPATCHER], sample.content)
    finished.job.refresh_from_db()
    assert finished.job.state == JobState.SUCCEEDED
    assert finished.rows_imported == 2


def test_shipments_the_gazetteer_cannot_place_are_imported_with_a_warning_linking_to_their_pins(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    finished = _run(
        organization,
        members[Role.DISPATCHER],
        b"reference,origin_address,destination_address,destination_latitude,destination_longitude\n"
        b'PLACED,"Waalhaven 1, Rotterdam","Markt 1, Delft",,\n'
        b'<b>FARM</b>,"Hoeve 3, Nergenshuizen","Markt 1, Delft",,\n'
        b'PINNED,"Waalhaven 1, Rotterdam","Dorpsstraat 1, Nergenshuizen",52.1,4.9\n'
        b'LOST,"Hoeve 3, Nergenshuizen","Dorpsstraat 9, Nergenshuizen",,\n',
    )
    finished.job.refresh_from_db()
    assert finished.job.state == JobState.SUCCEEDED
    assert (finished.rows_imported, finished.rows_unplaced) == (4, 2)

    client = signed_in(members[Role.DISPATCHER])
    body = client.get(reverse("dashboard:import", args=[finished.job_id])).content.decode()
    assert "4 shipments imported as drafts" in body
    assert "2 of them have an address the offline gazetteer could not place" in body
    table = body[body.index('id="unplaced-rows"') : body.index("</table>")]
    farm = Shipment.objects.in_organization(organization).get(reference="<b>FARM</b>")
    lost = Shipment.objects.in_organization(organization).get(reference="LOST")
    assert farm.origin_latitude is None
    assert farm.destination_latitude is not None
    assert (
        f'<a href="{reverse("dashboard:shipment_edit", args=[farm.pk])}">&lt;b&gt;FARM&lt;/b&gt;</a>' in table
    )
    assert "<b>FARM</b>" not in body
    assert "no city in its origin address" in table
    assert "no city in its origin and destination address" in table
    assert reverse("dashboard:shipment_edit", args=[lost.pk]) in table
    assert "PLACED" not in table
    assert "PINNED" not in table
    download = client.get(reverse("dashboard:import_warnings", args=[finished.job_id]))
    assert download["Content-Disposition"] == 'attachment; filename="upload-warnings.csv"'
    report = b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]
    assert [line.split(",")[:2] for line in report.splitlines()] == [
        ["line", "reference"],
        ["3", "<b>FARM</b>"],
        ["5", "LOST"],
    ]


def test_an_import_where_every_address_is_placed_has_no_warning(
    members: dict[Role, User], signed_in: Callable[[User], Client], organization: Organization
) -> None:
    finished = _run(
        organization,
        members[Role.DISPATCHER],
        b'reference,origin_address,destination_address\nOK-1,"Quay 1, Rotterdam","Markt 1, Delft"\n',
    )
    assert (finished.rows_imported, finished.rows_unplaced) == (1, 0)
    assert not finished.warning_report
    body = signed_in(members[Role.DISPATCHER]).get(reverse("dashboard:import", args=[finished.job_id]))
    assert 'id="unplaced"' not in body.content.decode()
    assert (
        signed_in(members[Role.DISPATCHER])
        .get(reverse("dashboard:import_warnings", args=[finished.job_id]))
        .status_code
        == 404
    )
