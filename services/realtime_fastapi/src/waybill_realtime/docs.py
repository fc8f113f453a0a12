"""``/docs``: Swagger UI for this service's OpenAPI document, served from its own static files.

FastAPI's default page loads Swagger UI from a CDN (blank without internet) and
starts it with an inline script, which the CSP (``security_headers``) refuses.
This page loads the vendored copy (``static/vendor/swagger-ui-dist``, from
``frontend/``) and its initializer from ``static/docs``.
"""

from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIRECTORY: Final = Path(__file__).parent / "static"
STATIC_PREFIX: Final = "/static"

router = APIRouter(include_in_schema=False)

_PAGE: Final = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waybill realtime API</title>
<link rel="stylesheet" href="{STATIC_PREFIX}/vendor/swagger-ui-dist/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="{STATIC_PREFIX}/vendor/swagger-ui-dist/swagger-ui-bundle.js"></script>
<script src="{STATIC_PREFIX}/docs/swagger-initializer.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


def install_docs(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIRECTORY), name="static")
