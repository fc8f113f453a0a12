"""Django and the worker share uploaded files through the storage the settings choose, nothing else."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from waybill_contracts.enums import Role
from waybill_contracts.jobs import JobState
from waybill_devstack.polling import wait_until
from waybill_django.accounts.models import User
from waybill_django.imports.models import ShipmentImport
from waybill_django.imports.services import shipment_import_start
from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Membership, Organization


@pytest.fixture
def worker_env(transactional_db: None, redis_url: str) -> dict[str, str]:
    """A worker as deployed: this process's settings module and MEDIA_ROOT, no storage overridden."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "waybill_django.config.settings.test",
    }


@pytest.mark.usefixtures("worker")
def test_the_worker_imports_the_file_django_stored_and_django_reads_the_report_the_worker_wrote(
    transactional_db: None,
) -> None:
    organization = Organization.objects.create(name="Acme Freight", slug="acme")
    dispatcher = User.objects.create_user("dispatcher@acme.test", "correct horse battery")
    Membership.objects.create(user=dispatcher, organization=organization, role=Role.DISPATCHER)
    csv = b"reference,origin_address,destination_address\nWB-1,1 Quay,2 Street\nWB-2,,2 Street\n"

    started = shipment_import_start(
        organization=organization, actor=dispatcher, upload=ContentFile(csv, name="s.csv")
    )

    media_root = Path(os.environ["MEDIA_ROOT"])
    assert Path(settings.MEDIA_ROOT) == media_root
    assert (media_root / str(started.source.name)).read_bytes() == csv
    job = wait_until(
        lambda: Job.unscoped.filter(pk=started.pk, state=JobState.FAILED).first(),
        what="the worker to reject the file's second row",
        timeout=60,
    )
    assert job is not None
    assert "1 of 2 rows was rejected" in job.error
    report = ShipmentImport.unscoped.get(pk=started.pk).error_report
    with report.open("rb") as written_by_the_worker:
        assert b"origin_address" in written_by_the_worker.read()
    assert (media_root / str(report.name)).is_file()
