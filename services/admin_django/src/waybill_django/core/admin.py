"""The back office writes only through the domain functions, or not at all.

Every admin of a Waybill model derives from :class:`DomainModelAdmin`. It
refuses add, change and delete unless the subclass names, in
``domain_writes``, the domain function each one calls, so a new admin is
read-only until someone wires it to the write path: the same permission
checks, audit entries and events as the dashboard and the API.

The admin's change and delete views run in their own transaction;
:class:`UnitOfWorkViews` makes that transaction the unit of work the domain
functions join (``core/transactions.py``), so an admin save is one commit
and its events leave after it.

A domain function validates and writes in one go, so the admin form calls it
at the end of its own validation (:meth:`DomainModelAdmin.domain_save`): a
refusal lands on the field it names, and ``save_model`` has nothing left to do.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from waybill_django.core.errors import DOMAIN_ERRORS, Conflict, attach_errors, refusal
from waybill_django.core.transactions import unit_of_work

if TYPE_CHECKING:
    from waybill_django.accounts.models import User

_M = TypeVar("_M", bound=models.Model)


class Write(enum.StrEnum):
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


def refusal_text(error: Conflict | PermissionDenied | ValidationError) -> str:
    """What a person reads when a domain function refuses."""
    return refusal(error).text


def admin_actor(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else in)."""
    user = request.user
    assert isinstance(user, get_user_model())
    return user


class _DeleteRefused(Exception):
    """A domain function refused a delete; raised through the admin's transaction to roll it back."""


class DomainAdminForm(forms.ModelForm[_M]):
    """A ModelForm whose validation ends with the admin's domain write (see the module docstring)."""

    domain_admin: ClassVar[DomainModelAdmin[Any] | None] = None
    domain_request: ClassVar[HttpRequest | None] = None
    domain_saved: _M | None = None

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self.errors or self.domain_admin is None or self.domain_request is None:
            return
        try:
            self.domain_saved = self.domain_admin.domain_save(self.domain_request, self)
        except ValidationError as error:
            attach_errors(self, error)
        except (Conflict, PermissionDenied) as error:
            self.add_error(None, refusal_text(error))


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class UnitOfWorkViews(admin.ModelAdmin[_M]):
    """The admin's writing views open a unit of work around Django's own transaction."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method in _SAFE_METHODS:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with unit_of_work(using=router.db_for_write(self.model)):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method in _SAFE_METHODS:
            return super().delete_view(request, object_id, extra_context)
        with unit_of_work(using=router.db_for_write(self.model)):
            return super().delete_view(request, object_id, extra_context)


class DomainModelAdmin(UnitOfWorkViews[_M]):
    """Read-only unless ``domain_writes`` names the domain function of a write.

    A subclass that names ``Write.ADD`` or ``Write.CHANGE`` implements
    :meth:`domain_save`; one that names ``Write.DELETE`` implements
    :meth:`domain_delete`.
    """

    domain_writes: ClassVar[Mapping[Write, Callable[..., object]]] = {}
    form: type[forms.ModelForm[Any]] = DomainAdminForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return Write.ADD in self.domain_writes and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return Write.CHANGE in self.domain_writes and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return Write.DELETE in self.domain_writes and super().has_delete_permission(request, obj)

    def get_form(
        self, request: HttpRequest, obj: _M | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[_M]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        if not issubclass(form, DomainAdminForm):
            raise TypeError(f"{type(self).__name__}.form must derive from DomainAdminForm")
        return type(form.__name__, (form,), {"domain_admin": self, "domain_request": request})

    def domain_save(self, request: HttpRequest, form: DomainAdminForm[_M]) -> _M:
        """Call the domain function of this add (``form.instance._state.adding``) or change."""
        raise NotImplementedError(f"{type(self).__name__} names no domain function for this write")

    def domain_delete(self, request: HttpRequest, obj: _M) -> None:
        raise NotImplementedError(f"{type(self).__name__} names no domain function for deleting")

    def save_model(self, request: HttpRequest, obj: _M, form: forms.ModelForm[_M], change: bool) -> None:
        assert isinstance(form, DomainAdminForm)
        assert form.domain_saved is not None
        # The admin goes on with ``obj`` (messages, its log, the redirect): make it the row written.
        obj.pk = form.domain_saved.pk
        obj.refresh_from_db()

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[_M], formsets: Any, change: bool
    ) -> None:
        """Related rows change through the domain function too, never through the form."""

    def delete_model(self, request: HttpRequest, obj: _M) -> None:
        try:
            self.domain_delete(request, obj)
        except DOMAIN_ERRORS as error:
            raise _DeleteRefused(refusal_text(error)) from error

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_M]) -> None:
        for obj in queryset:
            try:
                self.domain_delete(request, obj)
            except DOMAIN_ERRORS as error:
                self.message_user(request, f"{obj}: {refusal_text(error)}", messages.ERROR)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except _DeleteRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.path)


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """An inline that shows related rows; they change through their own admin's domain functions."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
