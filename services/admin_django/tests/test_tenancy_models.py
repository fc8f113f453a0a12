"""Every model that belongs to an organization is a TenantModel (scoped by construction), or a listed exception."""

import pytest
from django.apps import apps
from django.db import models

from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.core.tenancy import (
    OrganizationScopedManager,
    OrganizationScopedModel,
    TenantModel,
    UnscopedQuery,
)
from waybill_django.organizations.models import Membership, Organization
from waybill_django.organizations.selectors import member_list, memberships_of

# model label -> why it is not a TenantModel
EXCEPTIONS = {
    "audit.auditlog": "platform-wide entries (a user deactivated by staff) have no organization, so its key is "
    "nullable; it still carries both managers (OrganizationScopedModel)",
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


def test_every_organization_model_is_a_tenant_model_or_a_listed_exception() -> None:
    missing = [
        model._meta.label_lower
        for model in _organization_models()
        if not issubclass(model, TenantModel) and model._meta.label_lower not in EXCEPTIONS
    ]
    assert not missing, (
        "subclass waybill_django.core.tenancy.TenantModel (the organization key and both managers), "
        f"or list the model in EXCEPTIONS with the reason: {', '.join(missing)}"
    )


def test_every_organization_model_has_scoped_objects_and_an_unscoped_default() -> None:
    for model in _organization_models():
        assert issubclass(model, OrganizationScopedModel), model._meta.label_lower
        assert isinstance(model.objects, OrganizationScopedManager), model._meta.label_lower
        # The default manager is the plain one: the admin, related lookups and migrations see every row.
        assert model._default_manager is model.unscoped, model._meta.label_lower


def test_the_exceptions_are_still_organization_models_and_not_tenant_models() -> None:
    by_label = {model._meta.label_lower: model for model in _organization_models()}
    for label in EXCEPTIONS:
        assert label in by_label
        assert not issubclass(by_label[label], TenantModel), (
            f"{label} is a TenantModel now: drop the exception"
        )


def test_the_walk_finds_the_tenant_models() -> None:
    labels = {model._meta.label_lower for model in _organization_models()}
    assert {
        "shipments.shipment",
        "fleet.vehicle",
        "webhooks.webhookendpoint",
        "audit.auditlog",
        "organizations.membership",
    } <= labels


@pytest.mark.django_db
def test_memberships_must_be_narrowed_to_an_organization() -> None:
    ours = Organization.objects.create(name="Ours", slug="ours")
    theirs = Organization.objects.create(name="Theirs", slug="theirs")
    user = User.objects.create_user("both@example.test", "pw-long-enough-1")
    Membership.objects.create(user=user, organization=ours, role=Role.DISPATCHER)
    Membership.objects.create(user=user, organization=theirs, role=Role.VIEWER)

    with pytest.raises(UnscopedQuery):
        list(Membership.objects.filter(user=user))
    assert [m.organization for m in member_list(organization=ours)] == [ours]
    # Deliberately across organizations: the switcher lists every membership of the user.
    assert {m.organization for m in memberships_of(user=user)} == {ours, theirs}
