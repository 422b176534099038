"""One log line per request, by its path: never its query string.

A query string carries what people search for (a child's surname, a UPN, a date of birth), so
uvicorn's access log is off (``ehcna.bootstrap.web_server_options``) and this writes the method,
the path, the status and the time taken instead, in the engine's structured format.
"""

from time import perf_counter
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("ehcna.web.requests")


class RequestLog:
    """ASGI middleware: logs each HTTP request once it has answered (or failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        answer: dict[str, Any] = {"status": 500}  # unless the app answers

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],  # no query string: it may name a child
                status=answer["status"],
                ms=round((perf_counter() - started) * 1000, 1),
            )
