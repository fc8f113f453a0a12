"""Organization scoping by construction.

Every tenant model subclasses :class:`TenantModel`: an ``organization`` key,
``unscoped`` (declared first, so the admin, related lookups and migrations use
it) and ``objects = OrganizationScopedManager()``; a test walks the models. A query through ``objects`` raises :class:`UnscopedQuery` when it is
evaluated before ``.in_organization(org)``: forgetting the scope fails loudly
in the first test instead of leaking another tenant's rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models

if TYPE_CHECKING:
    from waybill_django.organizations.models import Organization

_M = TypeVar("_M", bound=models.Model)


class UnscopedQuery(Exception):
    def __init__(self, model: type[models.Model]) -> None:
        super().__init__(
            f"{model.__name__}.objects must be narrowed with .in_organization(org) before it is evaluated; "
            f"use {model.__name__}.unscoped for deliberate cross-organization work."
        )


class OrganizationScopedQuerySet(models.QuerySet[_M]):
    _organization_scoped = False

    def in_organization(self, organization: Organization | int) -> Self:
        scoped = self.filter(organization=organization)
        scoped._organization_scoped = True
        return scoped

    def _require_scope(self) -> None:
        if not self._organization_scoped:
            raise UnscopedQuery(self.model)

    # django-stubs do not declare the private ``_clone``; it is how a queryset copies its state.
    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]
        clone._organization_scoped = self._organization_scoped
        return clone

    def _fetch_all(self) -> None:
        self._require_scope()
        super()._fetch_all()

    def count(self) -> int:
        self._require_scope()
        return super().count()

    def exists(self) -> bool:
        self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)


class OrganizationScopedManager(models.Manager[_M]):
    def get_queryset(self) -> OrganizationScopedQuerySet[_M]:
        return OrganizationScopedQuerySet(self.model, using=self._db)

    def in_organization(self, organization: Organization | int) -> OrganizationScopedQuerySet[_M]:
        return self.get_queryset().in_organization(organization)


class OrganizationScopedModel(models.Model):
    """The two managers, for a model whose organization key is its own (nullable: the audit log)."""

    unscoped = models.Manager()
    objects = OrganizationScopedManager()

    class Meta:
        abstract = True


class TenantModel(OrganizationScopedModel):
    """A row that belongs to one organization.

    A subclass whose key differs (``PROTECT``, a ``related_name``, one-to-one)
    redeclares ``organization``; the managers stay as they are.
    """

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True
