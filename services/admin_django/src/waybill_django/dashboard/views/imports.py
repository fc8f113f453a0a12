"""Import shipments from a CSV: upload, watch the progress bar fill live, download the error report."""

import csv
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from waybill_django.dashboard.access import Workspace, workspace_view
from waybill_django.dashboard.views.common import render_page
from waybill_django.imports.models import ShipmentImport
from waybill_django.imports.rows import COLUMNS, REQUIRED_COLUMNS, SAMPLE_ROWS
from waybill_django.imports.selectors import (
    shipment_import_get,
    shipment_import_rejected_rows,
    shipment_import_unplaced_rows,
)
from waybill_django.imports.services import FileRefused, shipment_import_start
from waybill_django.organizations.permissions import Action

RECENT_IMPORTS = 20
REJECTED_ROWS_SHOWN = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


def _import_of(workspace: Workspace, job_id: uuid.UUID) -> ShipmentImport:
    try:
        return shipment_import_get(organization=workspace.organization, job_id=job_id)
    except ObjectDoesNotExist as error:
        raise Http404("No such import.") from error


@require_http_methods(["GET", "POST"])
@workspace_view(Action.MANAGE_SHIPMENTS)
def import_index(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                started = shipment_import_start(
                    organization=workspace.organization,
                    actor=workspace.user,
                    upload=form.cleaned_data["file"],
                )
            except FileRefused as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, f"{started.original_name} is uploaded; the import runs now.")
                return redirect("dashboard:import", started.job_id)
    recent = (
        ShipmentImport.objects.in_organization(workspace.organization)
        .select_related("job")
        .order_by("-job__created_at")[:RECENT_IMPORTS]
    )
    context = {
        "form": form,
        "recent": recent,
        "columns": COLUMNS,
        "required": sorted(REQUIRED_COLUMNS),
    }
    return render_page(request, workspace, "dashboard/imports/index.html", context, status=status)


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def import_detail(request: HttpRequest, workspace: Workspace, job_id: uuid.UUID) -> HttpResponse:
    item = _import_of(workspace, job_id)
    context = {
        "item": item,
        "rejected_rows": shipment_import_rejected_rows(shipment_import=item, limit=REJECTED_ROWS_SHOWN),
        "rejected_rows_limit": REJECTED_ROWS_SHOWN,
        "unplaced_rows": shipment_import_unplaced_rows(shipment_import=item, limit=REJECTED_ROWS_SHOWN),
    }
    return render_page(
        request,
        workspace,
        "dashboard/imports/detail.html",
        context,
        partial="dashboard/imports/_progress.html",
    )


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def import_sample(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """A CSV to start from: every column, with example rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="waybill-shipments-sample.csv"'
    writer = csv.DictWriter(response, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(SAMPLE_ROWS)
    return response


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def import_errors(request: HttpRequest, workspace: Workspace, job_id: uuid.UUID) -> HttpResponseBase:
    item = _import_of(workspace, job_id)
    return _download(item, item.error_report, "errors")


@require_GET
@workspace_view(Action.MANAGE_SHIPMENTS)
def import_warnings(request: HttpRequest, workspace: Workspace, job_id: uuid.UUID) -> HttpResponseBase:
    item = _import_of(workspace, job_id)
    return _download(item, item.warning_report, "warnings")


def _download(item: ShipmentImport, report: FieldFile, kind: str) -> HttpResponseBase:
    if not report:
        raise Http404(f"This import has no {kind} report.")
    stem = item.original_name.rsplit(".", 1)[0] or "shipments"
    return FileResponse(report.open("rb"), as_attachment=True, filename=f"{stem}-{kind}.csv")
