"""Audit actions come from one enumeration: a writer cannot invent one, and every move has one."""

import ast
from pathlib import Path

import pytest

from waybill_contracts.enums import ShipmentStatus
from waybill_contracts.workflow import allowed_targets
from waybill_django.audit.choices import AuditAction
from waybill_django.audit.models import AuditLog
from waybill_django.audit.services import audit_record
from waybill_django.organizations.models import Organization

SOURCE = Path(__file__).parents[1] / "src" / "waybill_django"


@pytest.mark.django_db
def test_an_action_outside_the_enumeration_is_refused_and_nothing_is_written(
    organization: Organization,
) -> None:
    with pytest.raises(ValueError, match=r"shipment\.teleported"):
        audit_record(action="shipment.teleported", target=organization, actor=None, organization=organization)  # type: ignore[arg-type]
    assert not AuditLog.unscoped.exists()


@pytest.mark.django_db
def test_a_stored_action_keeps_its_historical_value(organization: Organization) -> None:
    audit_record(
        action=AuditAction.ORGANIZATION_UPDATED, target=organization, actor=None, organization=organization
    )
    assert AuditLog.unscoped.get().action == "organization.updated"


def test_every_status_the_workflow_reaches_has_an_action() -> None:
    left_for_exception = [s for s in ShipmentStatus if ShipmentStatus.EXCEPTION in allowed_targets(s)]
    reachable = {target for status in ShipmentStatus for target in allowed_targets(status)} | {
        target
        for left in left_for_exception
        for target in allowed_targets(ShipmentStatus.EXCEPTION, left_for_exception=left)
    }
    for status in reachable:
        assert AuditAction.shipment_moved_to(status).value == f"shipment.{status.value}"


def test_no_writer_passes_a_string_literal_as_the_action() -> None:
    literal_actions = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit_record":
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, (ast.Constant, ast.JoinedStr)):
                        literal_actions.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert not literal_actions, f"pass an AuditAction member: {literal_actions}"
