from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import router
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from waybill_django.accounts.models import User
from waybill_django.accounts.services import user_deactivate, user_set_password
from waybill_django.core.admin import UnitOfWorkViews
from waybill_django.core.transactions import unit_of_work


class PasswordChangeForm(AdminPasswordChangeForm):  # type: ignore[type-arg]  # not subscriptable at run time
    def save(self, commit: bool = True) -> Any:
        return user_set_password(user=self.user, password=self.cleaned_data["password1"])


@admin.register(User)
class UserAdmin(UnitOfWorkViews[User], DjangoUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    date_hierarchy = "date_joined"
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    change_password_form = PasswordChangeForm

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Django's UserAdmin opens its own transaction here, around the change form's.
        with unit_of_work(using=router.db_for_write(self.model)):
            return super().add_view(request, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:
            assert isinstance(request.user, User)  # the admin requires a signed-in staff user
            user_deactivate(user=obj, actor=request.user)
