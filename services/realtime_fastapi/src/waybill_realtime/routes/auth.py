"""``POST /auth/jwt/login``: a JWT for a Django user's email and password (form fields username, password)."""

from waybill_realtime.auth.users import auth_backend, fastapi_users

router = fastapi_users.get_auth_router(auth_backend)
