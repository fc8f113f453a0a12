from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from waybill_django.api.auth import OrganizationSessionAuth, principal_of, require
from waybill_django.api.models import ApiToken
from waybill_django.api.schemas import Error, TokenCreate, TokenCreated, TokenOut
from waybill_django.api.selectors import api_token_get, api_token_list
from waybill_django.api.tokens import api_token_create, api_token_revoke
from waybill_django.organizations.permissions import Action

# Managed from a signed-in session only: a token cannot mint or revoke tokens.
router = Router(tags=["API tokens"], auth=[OrganizationSessionAuth()])
ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request: HttpRequest) -> Any:
    principal = principal_of(request)
    require(principal, Action.MANAGE_API_TOKENS)
    return api_token_list(organization=principal.organization)


@router.post("/tokens", response={201: TokenCreated, **ERRORS})
def create_token(
    request: HttpRequest, payload: TokenCreate, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Create a token. The response carries its secret, which is shown only this once."""
    response["Cache-Control"] = "no-store"
    principal = principal_of(request)
    token, secret = api_token_create(
        organization=principal.organization, actor=principal.user, name=payload.name
    )
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "token": secret})


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    principal = principal_of(request)
    token = api_token_get(organization=principal.organization, token_id=token_id)
    return api_token_revoke(token=token, actor=principal.user)
