from uuid import UUID

from django.db.models import QuerySet

from waybill_django.jobs.models import Job
from waybill_django.organizations.models import Organization


def job_list(*, organization: Organization) -> QuerySet[Job]:
    return Job.objects.in_organization(organization)


def job_get(*, organization: Organization, job_id: UUID) -> Job:
    return Job.objects.in_organization(organization).get(pk=job_id)
