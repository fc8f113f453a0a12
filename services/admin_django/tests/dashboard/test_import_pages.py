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
    assert "1 of 2 rows were rejected" in page
    download = client.get(reverse("dashboard:import_errors", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="bad-errors.csv"'
    assert b"duplicate" in b"".join(download.streaming_content)  # type: ignore[attr-defined]
