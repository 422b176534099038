"""The gateway's errors as HTTP answers, in one place for the API and the pages."""

from fastapi import HTTPException, status

from ehcna.gateway.errors import (
    AlreadyStarted,
    CaseClosed,
    CaseNotFound,
    GatewayError,
    InvalidStart,
    Retryable,
    RuleRefused,
)

RETRY_AFTER_SECONDS = "5"

# most specific first: AlreadyStarted and InvalidStart are RuleRefused too
STATUS: tuple[tuple[type[GatewayError], int], ...] = (
    (AlreadyStarted, status.HTTP_409_CONFLICT),
    (InvalidStart, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (RuleRefused, status.HTTP_409_CONFLICT),
    (CaseClosed, status.HTTP_409_CONFLICT),
    (CaseNotFound, status.HTTP_404_NOT_FOUND),
    (Retryable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def status_of(err: GatewayError) -> int:
    return next((code for kind, code in STATUS if isinstance(err, kind)), status.HTTP_503_SERVICE_UNAVAILABLE)


def http_error(err: GatewayError) -> HTTPException:
    """The answer to ``err``: its status, ``{field, reason}``, and ``Retry-After`` when worth retrying."""
    code = status_of(err)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if code == status.HTTP_503_SERVICE_UNAVAILABLE else None
    detail: object = (
        err.reason if isinstance(err, CaseNotFound) else {"field": err.field, "reason": err.reason}
    )
    return HTTPException(code, detail, headers=headers)


def refused(field: str, reason: str, code: int = status.HTTP_409_CONFLICT) -> HTTPException:
    """A refusal the web layer decides itself (a bad month, say), in the same shape."""
    return HTTPException(code, {"field": field, "reason": reason})
