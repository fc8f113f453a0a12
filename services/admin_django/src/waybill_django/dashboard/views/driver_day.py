"""The driver's *My day* on a phone, also as the answer to a delivery or pick-up it refused (input kept).

The camera is allowed on this page alone: the pick-up scans the parcel's label.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from waybill_django.dashboard.access import Workspace
from waybill_django.dashboard.forms import TransitionForm
from waybill_django.dashboard.security_headers import allow_camera
from waybill_django.dashboard.selectors import driver_shipments
from waybill_django.dashboard.views.common import render_page
from waybill_django.dashboard.views.moves import Move, available_moves
from waybill_django.fleet.selectors import vehicle_list
from waybill_django.planning.selectors import stops_in_order
from waybill_django.shipments.models import Shipment
from waybill_django.shipments.selectors import Stop, shipment_next_stop


@dataclass(frozen=True)
class DriverRow:
    shipment: Shipment
    moves: list[Move]
    next_stop: Stop | None
    rejected: TransitionForm | None
    """The delivery form of this shipment the server refused, if it is the one sent."""


@dataclass(frozen=True)
class RejectedDelivery:
    """A delivery form the server refused: shown again, open, with its values and errors."""

    shipment_id: int
    form: TransitionForm


def render_driver_day(
    request: HttpRequest, workspace: Workspace, *, rejected: RejectedDelivery | None = None, status: int = 200
) -> HttpResponse:
    shipments = driver_shipments(
        organization=workspace.organization, driver=workspace.user, now=timezone.now()
    )
    rows = [
        DriverRow(
            shipment=shipment,
            moves=available_moves(shipment=shipment, workspace=workspace),
            next_stop=shipment_next_stop(shipment=shipment),
            rejected=rejected.form if rejected and rejected.shipment_id == shipment.pk else None,
        )
        for shipment in shipments
    ]
    page = render_page(
        request,
        workspace,
        "dashboard/driver.html",
        {
            "rows": rows,
            "vehicles": vehicle_list(organization=workspace.organization).filter(driver=workspace.user),
            "stops": stops_in_order(
                organization=workspace.organization, driver=workspace.user, day=timezone.localdate()
            ),
        },
        partial="dashboard/partials/_driver.html",
        status=status,
    )
    return allow_camera(page)
