"""The integration API, ``/api/v1/``: OpenAPI schema at ``openapi.json``, interactive docs at ``docs``."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.errors import ValidationError as InputInvalid

from waybill_django.api.auth import OrganizationSessionAuth, TokenAuth
from waybill_django.api.documented import DocumentedErrorsAPI
from waybill_django.api.routers import members, shipments, tokens, vehicles
from waybill_django.core.errors import DOMAIN_ERRORS, refusal

api = DocumentedErrorsAPI(
    title="Waybill API",
    version="1",
    description=(
        "The organization's integration API. Authenticate with `Authorization: Bearer <API token>` "
        "(created by an owner or admin), or with the dashboard's session. Every object belongs to one "
        "organization; another organization's objects answer 404."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), OrganizationSessionAuth()],
)
api.add_router("", shipments.router)
api.add_router("", vehicles.router)
api.add_router("", tokens.router)
api.add_router("", members.router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found in your organization."}, status=404)


def refused(request: HttpRequest, error: Exception | type[Exception]) -> HttpResponse:
    assert isinstance(error, DOMAIN_ERRORS)
    answer = refusal(error)
    body: dict[str, object] = {"detail": answer.text}
    if answer.errors is not None:
        body["errors"] = answer.errors
    return api.create_response(request, body, status=answer.status)


for _error in DOMAIN_ERRORS:
    api.add_exception_handler(_error, refused)


@api.exception_handler(InputInvalid)
def input_invalid(request: HttpRequest, error: InputInvalid) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        where = ".".join(str(part) for part in item.get("loc", ()) if part not in {"body", "payload"})
        errors.setdefault(where or "__all__", []).append(str(item.get("msg", "invalid")))
    detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)
