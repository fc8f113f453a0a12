"""Every action the audit log records; writers pass a member, never a string.

The values are what the table has always held (``<entity>.<verb>``), so old
rows and new ones read alike.
"""

from django.db import models

from waybill_contracts.enums import ShipmentStatus


class AuditAction(models.TextChoices):
    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_UPDATED = "organization.updated"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"
    MEMBERSHIP_REMOVED = "membership.removed"
    INVITATION_CREATED = "invitation.created"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_RESENT = "invitation.resent"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_DECLINED = "invitation.declined"
    USER_DEACTIVATED = "user.deactivated"
    API_TOKEN_CREATED = "api_token.created"  # noqa: S105 -- an action name, not a secret
    API_TOKEN_REVOKED = "api_token.revoked"  # noqa: S105 -- an action name, not a secret
    VEHICLE_CREATED = "vehicle.created"
    VEHICLE_UPDATED = "vehicle.updated"
    VEHICLE_RETIRED = "vehicle.retired"
    SHIPMENT_CREATED = "shipment.created"
    SHIPMENT_UPDATED = "shipment.updated"
    SHIPMENTS_IMPORTED = "shipments.imported"
    SHIPMENT_DELIVERY_FAILED = "shipment.delivery_failed"
    # A status change is recorded as ``shipment.<new status>``: one member per status the workflow reaches.
    SHIPMENT_BOOKED = "shipment.booked"
    SHIPMENT_ASSIGNED = "shipment.assigned"
    SHIPMENT_PICKED_UP = "shipment.picked_up"
    SHIPMENT_IN_TRANSIT = "shipment.in_transit"
    SHIPMENT_DELIVERED = "shipment.delivered"
    SHIPMENT_CANCELLED = "shipment.cancelled"
    SHIPMENT_EXCEPTION = "shipment.exception"
    DEPOT_UPDATED = "depot.updated"
    ROUTE_PLAN_REQUESTED = "route_plan.requested"
    ROUTE_PLAN_ACCEPTED = "route_plan.accepted"
    NOTIFICATIONS_SETTINGS_CHANGED = "notifications.settings_changed"
    NOTIFICATIONS_SUBSCRIBED = "notifications.subscribed"
    NOTIFICATIONS_UNSUBSCRIBED = "notifications.unsubscribed"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_ENABLED = "webhook_endpoint.enabled"
    WEBHOOK_DELIVERY_RESENT = "webhook_delivery.resent"

    @classmethod
    def shipment_moved_to(cls, status: ShipmentStatus) -> "AuditAction":
        """The action of a move into ``status``; a status the workflow can reach without one raises ValueError."""
        return cls(f"shipment.{status.value}")
