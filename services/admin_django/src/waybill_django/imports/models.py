from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from waybill_django.core.tenancy import TenantModel
from waybill_django.jobs.models import Job


class ShipmentImport(TenantModel):
    """An uploaded CSV of shipments and what became of it (its job tells the state)."""

    job = models.OneToOneField(
        Job, on_delete=models.CASCADE, primary_key=True, related_name="shipment_import"
    )
    source = models.FileField(upload_to="imports/sources/%Y/%m/")
    original_name = models.CharField(max_length=255)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    error_report = models.FileField(upload_to="imports/reports/%Y/%m/", blank=True)
    # Imported rows with an end the offline gazetteer could not place: no coordinates until pinned.
    rows_unplaced = models.PositiveIntegerField(default=0)
    warning_report = models.FileField(upload_to="imports/reports/%Y/%m/", blank=True)

    def __str__(self) -> str:
        return f"{self.original_name} ({self.job.state})"


class StagedRow(models.Model):
    """One row of a file being imported, validated, waiting for the whole file to be accepted.

    Staging keeps the worker's memory flat however long the file is, and lets
    the database find duplicate references across the whole file.
    """

    shipment_import = models.ForeignKey(ShipmentImport, on_delete=models.CASCADE, related_name="+")
    line = models.PositiveIntegerField()
    reference = models.CharField(max_length=64)
    fields = models.JSONField(encoder=DjangoJSONEncoder)
    errors = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=("shipment_import", "reference"), name="staged_row_reference"),
            models.Index(fields=("shipment_import", "line"), name="staged_row_line"),
        ]

    def __str__(self) -> str:
        return f"line {self.line} of import {self.shipment_import_id}"
