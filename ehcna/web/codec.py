"""The codec endpoint the Temporal UI asks to decrypt payloads: for managers and the head of service
(who read every case), never for encrypting (the UI is read-only; an encrypting endpoint would let
anyone signed in make payloads the worker trusts).

Point the UI at ``<web app>/codec`` (``temporal server start-dev --ui-codec-endpoint``, or the UI's
own codec setting with "include cross-origin credentials"); set ``EHCNA_TEMPORAL_UI_URL`` to the
UI's origin so the browser may send the staff member's session. Each use is audited.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor
from ehcna.store.audit import append_audit
from ehcna.web.security import MANAGERS, current_actor, require, services
from ehcna.web.services import Services

router = APIRouter(prefix="/codec", include_in_schema=False)
staff = require(MANAGERS, "reading what passes through Temporal", current_actor)


def _cors(request: Request, svc: Services) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin and origin == svc.temporal_ui_origin:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
            "Vary": "Origin",
        }
    return {}


@router.options("/{direction}")
def preflight(direction: str, request: Request, svc: Services = Depends(services)) -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=_cors(request, svc))


def _audit(svc: Services, actor: Actor, count: int) -> None:
    with svc.sessions.begin() as session:
        append_audit(
            session,
            key=f"codec:{uuid4()}",
            case_ref=None,
            seq=None,
            action="payloads_decoded",
            by=actor,
            at=datetime.now(UTC),
            detail={"payloads": count},
        )


@router.post("/{direction}")
async def code(
    direction: str, request: Request, actor: Actor = Depends(staff), svc: Services = Depends(services)
) -> Response:
    if direction != "decode":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the codec endpoint decodes only: /codec/decode")
    try:
        body: Any = await request.json()
        answer = await svc.cases.decode_payloads(body)
    except (ValueError, RecursionError) as err:  # not JSON, not payloads, or nested past reason
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": "payloads", "reason": str(err)}
        ) from None
    payloads = answer.get("payloads")
    await run_in_threadpool(_audit, svc, actor, len(payloads) if isinstance(payloads, list) else 0)
    return JSONResponse(answer, headers=_cors(request, svc))
