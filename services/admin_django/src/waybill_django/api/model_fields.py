"""API bodies derived from a model's fields, so the model's rules are the only ones.

The bodies carry each field's type (a wrong type is refused before the
domain function runs) and document its limits in the OpenAPI schema
(``maxLength``, ``minimum``, ``maximum``, ``format``) without enforcing them:
the model enforces them, in ``full_clean``, with the same message on the same
field as the dashboard, the admin and the CSV import. Responses enforce
nothing, so a row stored before a rule existed is still served.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from ninja import Field, Schema
from pydantic import AfterValidator, create_model

from waybill_django.api.input import (
    INTEGER_COLUMN_MAX,
    Integer,
    Number,
    Text,
    decimal_number,
    storable_offset,
)

_TYPES: dict[str, Any] = {
    "CharField": Text,
    "FloatField": Number,
    "IntegerField": Integer,
    "PositiveIntegerField": Integer,
    "DateTimeField": Annotated[datetime, AfterValidator(storable_offset)],
}
# Answers carry what is stored, as it is stored (a weight as a decimal string).
_ANSWER_TYPES: dict[str, Any] = {
    **_TYPES,
    "CharField": str,
    "DecimalField": Decimal,
    "DateTimeField": datetime,
}


def _python_type(field: models.Field[Any, Any], *, answer: bool) -> Any:
    if answer:
        return _ANSWER_TYPES[field.get_internal_type()]
    if isinstance(field, models.DecimalField):
        minimum = next(
            (int(v.limit_value) for v in field.validators if isinstance(v, MinValueValidator)), None
        )
        return decimal_number(
            max_digits=field.max_digits or 0, decimal_places=field.decimal_places or 0, minimum=minimum
        )
    return _TYPES[field.get_internal_type()]


def _documented_limits(field: models.Field[Any, Any]) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    if field.max_length:
        limits["maxLength"] = field.max_length
    if isinstance(field, models.CharField) and not field.blank:
        limits["minLength"] = 1
    if isinstance(field, models.EmailField):
        # An optional address is "" or an address.
        limits.update(
            {"format": "email"} if not field.blank else {"anyOf": [{"maxLength": 0}, {"format": "email"}]}
        )
    if isinstance(field, models.IntegerField):
        limits["maximum"] = INTEGER_COLUMN_MAX
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            limits["minimum"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            limits["maximum"] = validator.limit_value
        elif isinstance(validator, RegexValidator) and not validator.inverse_match:
            # Django skips validators for a blank value.
            regex = validator.regex
            pattern = regex if isinstance(regex, str) else regex.pattern
            limits["pattern"] = f"^$|{pattern}" if field.blank else pattern
    return limits


def _schema_field(field: models.Field[Any, Any], *, partial: bool, answer: bool) -> tuple[Any, Any]:
    python_type: Any = _python_type(field, answer=answer)
    extra = _documented_limits(field)
    if partial:
        # Omitted means unchanged; null is accepted only where the column takes it.
        return (python_type | None if field.null else python_type), Field(
            default=None, json_schema_extra=extra
        )
    if field.null:
        python_type = python_type | None
    if field.has_default():
        default = field.get_default()
    elif field.null:
        default = None
    elif field.blank:
        default = ""
    else:
        return python_type, Field(json_schema_extra=extra)
    return python_type, Field(default=default, json_schema_extra=extra)


def details_schema(
    name: str,
    model: type[models.Model],
    fields: Sequence[str],
    *,
    partial: bool = False,
    answer: bool = False,
    doc: str,
) -> type[Schema]:
    """A body of ``model``'s ``fields``: required as in the model, or all optional when ``partial``.

    ``answer``: for responses, which carry the stored values and check nothing.
    """
    definitions: dict[str, Any] = {
        field_name: _schema_field(model._meta.get_field(field_name), partial=partial, answer=answer)  # type: ignore[arg-type]
        for field_name in fields
    }
    schema: type[Schema] = create_model(name, __base__=Schema, __doc__=doc, **definitions)
    return schema
