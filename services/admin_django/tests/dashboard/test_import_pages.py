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
