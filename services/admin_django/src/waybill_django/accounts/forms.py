"""Extra fields of allauth's sign-up form."""

from django import forms
from django.http import HttpRequest

from waybill_django.accounts.models import User


class SignupDetailsForm(forms.Form):
    """allauth mixes this into its sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="Your colleagues see it on shipments and in the members list.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        # allauth has already filled in and saved the user; the name is its part of the same sign-up.
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
