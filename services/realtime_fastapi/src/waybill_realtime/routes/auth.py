"""``POST /auth/jwt/login`` and ``POST /auth/jwt/logout``: JWTs for API and device clients (policy in auth/signin.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from waybill_realtime.auth.signin import SignIn, SignInRefused
from waybill_realtime.auth.users import Account, fastapi_users, token_strategy, user_manager
from waybill_realtime.client_address import client_address
from waybill_realtime.deps import ResourcesDep, SessionDep

router = APIRouter()

_current_token = fastapi_users.authenticator.current_user_token(active=True)
LOCKOUT_RETRY_AFTER_SECONDS = 300


class BearerToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  # the OAuth 2 token type, not a secret


class LoginError(BaseModel):
    detail: str


@router.post(
    "/login",
    response_model=BearerToken,
    responses={
        400: {
            "model": LoginError,
            "description": "LOGIN_BAD_CREDENTIALS (wrong email or password, or inactive),"
            " LOGIN_USER_NOT_VERIFIED, LOGIN_MFA_REQUIRED (send `code`), LOGIN_BAD_MFA_CODE",
        },
        429: {
            "model": LoginError,
            "description": "LOGIN_TOO_MANY_ATTEMPTS: the same lockout as the dashboard's",
        },
    },
)
async def login(
    request: Request,
    resources: ResourcesDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=254, description="The account's email address")],
    password: Annotated[str, Form(max_length=4096)],
    code: Annotated[
        str, Form(max_length=16, description="The current TOTP code, for accounts with one")
    ] = "",
) -> Response:
    sign_in = SignIn(session=session, redis=resources.redis, manager=user_manager(session))
    address = client_address(request, trusted_proxy_count=resources.settings.trusted_proxy_count)
    try:
        account = await sign_in(email=username, password=password, code=code, address=address)
    except SignInRefused as refused:
        if refused.locked:
            return JSONResponse(
                {"detail": refused.code},
                status_code=429,
                headers={"Retry-After": str(LOCKOUT_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
            )
        return JSONResponse({"detail": refused.code}, status_code=400, headers={"Cache-Control": "no-store"})
    token = await token_strategy(resources.settings, resources.redis).write_token(account)
    return JSONResponse(BearerToken(access_token=token).model_dump(), headers={"Cache-Control": "no-store"})


@router.post(
    "/logout", status_code=204, responses={401: {"description": "Missing, revoked or expired token"}}
)
async def logout(
    resources: ResourcesDep, user_token: Annotated[tuple[Account, str], Depends(_current_token)]
) -> Response:
    """Revoke this token: refused from now on, and its open WebSocket connections close (4004)."""
    account, token = user_token
    await token_strategy(resources.settings, resources.redis).destroy_token(token, account)
    return Response(status_code=204)
