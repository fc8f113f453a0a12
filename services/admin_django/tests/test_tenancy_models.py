"""Every model that belongs to an organization is scoped by construction, or is a listed exception."""

from django.apps import apps
from django.db import models

from waybill_django.core.tenancy import OrganizationScopedManager
from waybill_django.organizations.models import Organization

# model label -> why its default manager is not organization-scoped
EXCEPTIONS = {
    "organizations.membership": "read per user across organizations: sign-in, the switcher, the realtime service",
}


def _organization_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(
            isinstance(field, models.ForeignKey) and field.related_model is Organization
            for field in model._meta.get_fields()
        )
    ]


def test_every_organization_model_has_scoped_objects_and_an_unscoped_manager_or_is_an_exception() -> None:
    unscoped = []
    for model in _organization_models():
        label = model._meta.label_lower
        if label in EXCEPTIONS:
            continue
        scoped = isinstance(model._default_manager, models.Manager) and isinstance(
            getattr(model, "objects", None), OrganizationScopedManager
        )
        if not scoped or not hasattr(model, "unscoped"):
            unscoped.append(label)
    assert not unscoped, (
        "give these models `unscoped = models.Manager()` and `objects = OrganizationScopedManager()` "
        f"(core/tenancy.py), or list them in EXCEPTIONS with the reason: {', '.join(unscoped)}"
    )


def test_the_exceptions_are_still_organization_models() -> None:
    labels = {model._meta.label_lower for model in _organization_models()}
    assert set(EXCEPTIONS) <= labels


def test_the_walk_finds_the_tenant_models() -> None:
    labels = {model._meta.label_lower for model in _organization_models()}
    assert {"shipments.shipment", "fleet.vehicle", "webhooks.webhookendpoint", "audit.auditlog"} <= labels
    for label in EXCEPTIONS:
        model = apps.get_model(label)
        assert not isinstance(getattr(model, "objects", None), OrganizationScopedManager), (
            f"{label} is scoped now"
        )
