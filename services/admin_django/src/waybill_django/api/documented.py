"""Every operation documents the error answers any operation can give, in the one ``Error`` shape."""

from typing import Any, Final

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

COMMON_ERRORS: Final = {
    "400": "The body is not JSON (or not the form) the operation reads.",
    "401": "No valid API token or signed-in session.",
    "403": "Signed in, but the role (or the kind of credentials) may not do this.",
    "413": "The body is larger than the server accepts.",
    "422": "A value is missing, of the wrong type or out of range; `errors` names the fields.",
}


class DocumentedErrorsAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for status, description in COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema
