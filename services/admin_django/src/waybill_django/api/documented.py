"""The OpenAPI document says what the API really does, beyond what django-ninja writes by itself.

- Every operation documents the error answers any operation can give, in the one ``Error`` shape.
- Text fields say they take no NUL character (``api/input.py`` refuses one: PostgreSQL cannot store it).
- An optional file part is sent or left out; ninja writes it as "a file or null", which a multipart
  body cannot carry.
- OpenAPI links from a created shipment or vehicle to the operations on it, so a client (and
  schemathesis' stateful run) can follow create → get → change → move along the workflow.
"""

from typing import Any, Final

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from waybill_django.api.input import NO_NUL_PATTERN

COMMON_ERRORS: Final = {
    "400": "The body is not JSON (or not the form) the operation reads.",
    "401": "No valid API token or signed-in session.",
    "403": "Signed in, but the role (or the kind of credentials) may not do this.",
    "413": "The body is larger than the server accepts.",
    "422": (
        "A value is missing, of the wrong type or out of range, or breaks a rule between values that the"
        " schema cannot state: a window that ends before it starts (or a delivery window before the pickup"
        " window), one coordinate of a pair without the other, a transition without what it needs (a vehicle"
        " to assign, a reason for an exception, a recipient to deliver), an inactive vehicle, a driver_id"
        " that is no driver of the organization. `errors` names the fields."
    ),
}
_NOT_TEXT: Final = frozenset({"binary", "date-time", "date", "email", "uuid"})

_OPERATION_ID_PREFIX: Final = "waybill_django_api_routers_"
# The operations on one object, by the operationId of the one that creates it; the link passes its id.
_LINKS: Final = {
    "shipments_create_shipment": (
        "shipment_id",
        {
            "GetShipment": "shipments_get_shipment",
            "UpdateShipment": "shipments_update_shipment",
            "TransitionShipment": "shipments_transition_shipment",
            "ShipmentEvents": "shipments_shipment_events",
        },
    ),
    "vehicles_create_vehicle": (
        "vehicle_id",
        {"GetVehicle": "vehicles_get_vehicle", "UpdateVehicle": "vehicles_update_vehicle"},
    ),
}


def _forbid_nul(schema: Any) -> None:
    if isinstance(schema, dict):
        if schema.get("type") == "string" and schema.get("format") not in _NOT_TEXT and "enum" not in schema:
            schema.setdefault("pattern", NO_NUL_PATTERN)
        for value in schema.values():
            _forbid_nul(value)
    elif isinstance(schema, list):
        for item in schema:
            _forbid_nul(item)


def _file_parts_sent_or_omitted(body: dict[str, Any]) -> None:
    for part in body.get("properties", {}).values():
        choices = part.get("anyOf", [])
        files = [choice for choice in choices if choice.get("format") == "binary"]
        if files and all(choice in files or choice == {"type": "null"} for choice in choices):
            del part["anyOf"]
            part.update(files[0])


def _inputs(schema: OpenAPISchema) -> list[Any]:
    """The schemas of every request body and parameter, the components request bodies refer to included."""
    inputs: list[Any] = []
    for path in schema["paths"].values():
        for operation in path.values():
            inputs.extend(parameter.get("schema") for parameter in operation.get("parameters", []))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                inputs.append(content.get("schema"))
    return inputs


def _referenced(schema: OpenAPISchema, inputs: list[Any]) -> list[Any]:
    components = schema.get("components", {}).get("schemas", {})
    names: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            reference = node.get("$ref", "")
            name = reference.rsplit("/", 1)[-1]
            if reference.startswith("#/components/schemas/") and name not in names:
                names.add(name)
                collect(components.get(name))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(inputs)
    return [components[name] for name in sorted(names) if name in components]


def _add_links(operations: dict[str, dict[str, Any]]) -> None:
    for creator, (parameter, targets) in _LINKS.items():
        responses = operations[_OPERATION_ID_PREFIX + creator]["responses"]
        created = responses[201] if 201 in responses else responses["201"]
        created["links"] = {
            name: {
                "operationId": _OPERATION_ID_PREFIX + target,
                "parameters": {parameter: "$response.body#/id"},
            }
            for name, target in targets.items()
        }


class DocumentedErrorsAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        operations: dict[str, dict[str, Any]] = {}
        for path in schema["paths"].values():
            for operation in path.values():
                operations[operation["operationId"]] = operation
                responses = operation.setdefault("responses", {})
                for status, description in COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": description, "content": error})
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    _file_parts_sent_or_omitted(content.get("schema", {}))
        inputs = _inputs(schema)
        _forbid_nul([*inputs, *_referenced(schema, inputs)])
        _add_links(operations)
        return schema
