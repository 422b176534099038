"""The web application: ``python -m ehcna.web.app``, or uvicorn with ``app_from_settings`` as factory."""

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.middleware.sessions import SessionMiddleware

from ehcna.gateway.client import connect
from ehcna.notifications.policy import Policy, load_policy
from ehcna.notifications.wiring import load_policy_or_exit
from ehcna.settings import load_settings
from ehcna.store.db import make_engine, session_factory
from ehcna.web import security
from ehcna.web.api import router as api_router
from ehcna.web.pages import register as register_pages
from ehcna.web.services import Services

SECRET_ENV = "EHCNA_SECRET_KEY"
OPENAPI_URL = "/openapi.json"
# a SIGTERM lets requests in flight finish for this long, then the app exits anyway
# (a request waiting on a workflow that no worker serves would otherwise keep it up for ever)
GRACEFUL_SHUTDOWN_SECONDS = 5  # under the 10 s a container is given to stop


def secret_key(var_dir: Path = Path("var")) -> str:
    """The session-signing key: from the environment; in development, a file made once under var/."""
    if key := os.environ.get(SECRET_ENV):
        return key
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    """A command that fails its own model's validation is the caller's error: 422, per field."""
    assert isinstance(exc, ValidationError)
    errors = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


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

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=document_url(request), title=f"{app.title} - Swagger UI")

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(openapi_url=document_url(request), title=f"{app.title} - ReDoc")

    app.add_api_route(OPENAPI_URL, openapi, methods=["GET"], include_in_schema=False)
    for path, page in (("/docs", swagger_ui), ("/redoc", redoc)):
        app.add_api_route(path, page, methods=["GET"], dependencies=signed_in, include_in_schema=False)


def create_app(
    services: Services | None = None, session_secret: str | None = None, policy: Policy | None = None
) -> FastAPI:
    """The app; ``services`` given by tests, otherwise built from settings (and the escalation
    policy, read from the worker's file unless given) at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is None:
            settings = load_settings()
            rules = policy or load_policy()  # $EHCNA_ESCALATION_POLICY, else the shipped default
            app.state.services = Services(
                client=await connect(settings),
                sessions=session_factory(make_engine(settings.database_url)),
                task_queue=settings.task_queue,
                public_url=os.environ.get("EHCNA_PUBLIC_URL", "http://localhost:8000"),
                timing=rules.timing(),
                team_names=rules.directory.team_name,  # the pages name teams as the directory does
            )
        else:
            app.state.services = services
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
        secret_key=session_secret or secret_key(),
        session_cookie="ehcna_session",
        same_site="lax",
        https_only=os.environ.get("EHCNA_COOKIE_SECURE") == "1",
        max_age=8 * 3600,
    )
    app.add_exception_handler(ValidationError, _invalid_input)
    app.include_router(api_router)
    _add_api_docs(app)
    register_pages(app)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    if services is not None:
        app.state.services = services  # usable at once, with or without the lifespan
    return app


def app_from_settings(policy: Policy | None = None) -> FastAPI:
    return create_app(policy=policy)


def main() -> None:
    import uvicorn

    # first, as the worker does: a bad policy file stops here, naming each key and its problem
    policy = load_policy_or_exit()
    uvicorn.run(
        app_from_settings(policy),
        host=os.environ.get("EHCNA_WEB_HOST", "127.0.0.1"),
        port=int(os.environ.get("EHCNA_WEB_PORT", "8000")),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


if __name__ == "__main__":
    main()
