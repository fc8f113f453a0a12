"""Domain errors, and the one mapping from a domain error to what an entry point answers.

A domain function refuses with ``PermissionDenied`` (the actor may not),
``Conflict`` (the object's state does not allow it) or ``ValidationError``
(the input breaks a rule). The API answers :func:`refusal`'s status and body;
the dashboard shows its text (and its status on actions); a form that is
re-rendered shows the field errors (:func:`attach_errors`) and answers 400 like
any invalid form; the admin shows them on the form or as a message.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError


class Conflict(Exception):
    """The request is valid but the object's current state does not allow it."""


DOMAIN_ERRORS = (Conflict, PermissionDenied, ValidationError)


@dataclass(frozen=True)
class Refusal:
    status: int
    text: str
    """For a person to read."""
    errors: dict[str, list[str]] | None = None
    """By field (``__all__`` for the whole input), for a ``ValidationError``."""


def refusal(error: Conflict | PermissionDenied | ValidationError) -> Refusal:
    if isinstance(error, ValidationError):
        errors: dict[str, list[str]] = (
            error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        )
        return Refusal(422, " ".join(error.messages), errors)
    if isinstance(error, PermissionDenied):
        return Refusal(403, str(error) or "Your role in this organization does not allow this.")
    return Refusal(409, str(error))


def attach_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a domain function's ``ValidationError`` on the fields it names (the rest on the form)."""
    for field, messages in (refusal(error).errors or {}).items():
        form.add_error(field if field in form.fields else None, messages)
