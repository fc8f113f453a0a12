"""Domain errors, and the one mapping from a domain error to what an entry point answers.

A domain function refuses with ``PermissionDenied`` (the actor may not),
``Conflict`` (the object's state does not allow it) or ``ValidationError``
(the input breaks a rule). A ``ValidationError`` made only of uniqueness
errors (a reference or plate already taken) is a conflict with an existing
object, answered 409 like ``Conflict``; the request itself was well formed.
The API answers :func:`refusal`'s status and body;
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
# Django's codes for a value another row already holds (field unique, unique_together, UniqueConstraint).
_DUPLICATE_CODES = frozenset({"unique", "unique_together"})


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
        return Refusal(409 if _only_duplicates(error) else 422, " ".join(error.messages), errors)
    if isinstance(error, PermissionDenied):
        return Refusal(403, str(error) or "Your role in this organization does not allow this.")
    return Refusal(409, str(error))


def _only_duplicates(error: ValidationError) -> bool:
    parts = (
        [part for parts in error.error_dict.values() for part in parts]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return all(part.code in _DUPLICATE_CODES for part in parts)


def attach_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a domain function's ``ValidationError`` on the fields it names (the rest on the form)."""
    for field, messages in (refusal(error).errors or {}).items():
        form.add_error(field if field in form.fields else None, messages)
