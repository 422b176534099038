"""The web application: the JSON API and the pages. Built and served by ``ehcna.bootstrap``
(``ehcna web``); tests give it their own services."""

import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from html import escape
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.middleware.sessions import SessionMiddleware

from ehcna.web import security
from ehcna.web.api import router as api_router
from ehcna.web.codec import router as codec_router
from ehcna.web.outlook_api import router as outlook_router
from ehcna.web.pages import register as register_pages
from ehcna.web.plans_api import router as plans_router
from ehcna.web.protection import Protection
from ehcna.web.request_log import RequestLog
from ehcna.web.services import Services

OPENAPI_URL = "/openapi.json"


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    """A command that fails its own model's validation is the caller's error: 422, per field."""
    assert isinstance(exc, ValidationError)
    errors = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def _shown(value: Any) -> Any:
    """An input as a JSON answer can carry it: 1e309 (infinity) and NaN as text, not a 500."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    return value


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 for a request that fails its route's models, safe for any input."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _shown(jsonable_encoder(exc.errors()))}, status_code=422)


async def _healthz() -> dict[str, str]:
    """Liveness for the container's health check: no data, no sign-in."""
    return {"status": "ok"}


def _add_api_docs(app: FastAPI) -> None:
    """The OpenAPI document and its two viewers, behind the API's own authentication: a signed-in
    session (the browser sends its cookie when Swagger UI or ReDoc fetch the document) or a token."""
    signed_in = [Depends(security.current_actor)]

    def root_path(request: Request) -> str:  # behind a proxy that serves the app under a prefix
        return request.scope.get("root_path", "").rstrip("/")

    def document_url(request: Request) -> str:
        return root_path(request) + OPENAPI_URL

    def openapi(request: Request, svc: Services = Depends(security.services)) -> JSONResponse:
        try:
            security.current_actor(request, svc)
        except HTTPException as refused:  # the API's JSON 401, not the pages' HTML error page
            return JSONResponse({"detail": refused.detail}, refused.status_code, headers=refused.headers)
        schema, prefix = app.openapi(), root_path(request)
        if prefix and prefix not in {s.get("url") for s in schema.get("servers", [])}:
            schema = {**schema, "servers": [{"url": prefix}, *schema.get("servers", [])]}
        return JSONResponse(schema)

    def viewer(request: Request, title: str, head: str, body: str) -> HTMLResponse:
        static = root_path(request) + "/static"
        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{app.title} - {title}</title>'
            f'<link rel="icon" href="{static}/favicon.svg">{head.format(static=static)}</head>'
            f"{body.format(static=static, document=escape(document_url(request)))}</html>"
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def swagger_ui(request: Request) -> HTMLResponse:
        return viewer(
            request,
            "Swagger UI",
            '<link rel="stylesheet" href="{static}/vendor/swagger-ui.css">',
            '<body data-openapi="{document}"><div id="swagger-ui"></div>'
            '<script src="{static}/vendor/swagger-ui-bundle.js"></script>'
            '<script src="{static}/swagger-init.js"></script></body>',
        )

    async def redoc(request: Request) -> HTMLResponse:
        return viewer(
            request,
            "ReDoc",
            "",
            '<body><redoc spec-url="{document}"></redoc>'
            '<script src="{static}/vendor/redoc.standalone.js"></script></body>',
        )

    app.add_api_route(OPENAPI_URL, openapi, methods=["GET"], include_in_schema=False)
    for path, page in (("/docs", swagger_ui), ("/redoc", redoc)):
        app.add_api_route(path, page, methods=["GET"], dependencies=signed_in, include_in_schema=False)


def create_app(
    services: Services | None = None,
    *,
    build: Callable[[], Awaitable[Services]] | None = None,
    session_secret: str | None = None,
    cookie_secure: bool = False,
) -> FastAPI:
    """The app, with its ``services`` given (tests) or built by ``build`` at start-up (production:
    the Temporal client must be made inside the server's event loop). Without ``session_secret``
    sessions are signed with a key of this process only."""
    if services is not None and build is not None:
        raise ValueError("give the app its services or how to build them, not both")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if build is not None:
            app.state.services = await build()
        yield

    app = FastAPI(
        title="EHCNA engine",
        description="Statutory timeline of EHC needs assessments: cases, advice tasks, KPIs.",
        version="0.1.0",
        lifespan=lifespan,
        # served by _add_api_docs, signed in like the API, not by FastAPI's open defaults
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret or secrets.token_urlsafe(48),
        session_cookie="ehcna_session",
        same_site="lax",
        https_only=cookie_secure,
        max_age=8 * 3600,
    )
    app.add_exception_handler(ValidationError, _invalid_input)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(Protection, tls=cookie_secure)
    app.add_middleware(RequestLog)  # outermost: every request, refused ones too, by its path only
    app.include_router(api_router)
    app.include_router(outlook_router)
    app.include_router(plans_router)
    app.include_router(codec_router)
    _add_api_docs(app)
    register_pages(app)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    if services is not None:
        app.state.services = services  # usable at once, with or without the lifespan
    return app
