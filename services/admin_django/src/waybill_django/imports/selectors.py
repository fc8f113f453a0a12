from uuid import UUID

from waybill_django.imports.models import ShipmentImport
from waybill_django.organizations.models import Organization


def shipment_import_get(*, organization: Organization, job_id: UUID) -> ShipmentImport:
    """An import with its job; its ``error_report`` is the downloadable list of rejected rows."""
    return ShipmentImport.objects.in_organization(organization).select_related("job").get(job_id=job_id)
