"""What every answer carries and every request is held to: security headers, a body size limit.

Pages and the API allow scripts, styles and images from this site only (no
inline script, no CDN); the API documents' viewers also need inline styles.
HSTS is sent when the app is served over TLS (behind the council's proxy).
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024  # a form or an action is a few KiB; a 50 MB body is refused unread

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc set styles on elements as they draw; ReDoc searches in a worker of its own
DOCS_POLICY = (
    PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src blob:"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


class Protection:
    """ASGI middleware: refuses a body over ``max_body`` with 413, adds CSP (and HSTS over TLS)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES, tls: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.tls = tls  # served over TLS (EHCNA_COOKIE_SECURE): browsers are told to keep to it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(send)
            return
        received = 0
        answered = False  # the response has begun (the app's, or our 413)
        cut = False  # the body went over the limit: the app is told the client left, its answer dropped

        async def limited() -> Message:
            nonlocal received, answered, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:  # a body sent without its length, in chunks
                    cut = True
                    if not answered:
                        answered = True
                        await self._too_large(send)
                    return {"type": "http.disconnect"}
            return message

        async def with_headers(message: Message) -> None:
            nonlocal answered
            if cut:
                return
            if message["type"] == "http.response.start":
                answered = True
                headers = list(message.get("headers", []))
                policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else PAGE_POLICY
                headers.append((b"content-security-policy", policy.encode()))
                if self.tls or scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited, with_headers)
        except Exception:
            if not cut:  # the app's own failure: not ours to hide
                raise

    async def _too_large(self, send: Send) -> None:
        body = (
            b'{"detail":{"field":"body","reason":"the request is larger than '
            + str(self.max_body).encode()
            + b' bytes"}}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
