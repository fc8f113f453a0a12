"""Every status is shown on purpose: a label, a badge colour, and a move label when it is a target."""

from pathlib import Path

import pytest

from waybill_contracts.enums import ShipmentStatus
from waybill_django.dashboard.views.moves import _MOVE_LABELS
from waybill_django.shipments.models import STATUS_LABELS

CSS = Path(__file__).parents[1] / "src/waybill_django/dashboard/static/dashboard/css/dashboard.css"


@pytest.mark.parametrize("status", list(ShipmentStatus))
def test_every_status_has_a_label_a_badge_and_a_move_label(status: ShipmentStatus) -> None:
    assert STATUS_LABELS[status]
    assert f".badge--{status.value} " in CSS.read_text(), f"give .badge--{status.value} a colour"
    if status is not ShipmentStatus.DRAFT:  # nothing moves back to draft
        assert status in _MOVE_LABELS, f"name the button that moves a shipment to {status.value}"
