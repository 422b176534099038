"""Cross-site request forgery: every form carries the session's own token, checked on POST.

The token lives in the signed session cookie, so another site can neither
read it nor forge a form that carries it. A POST without the right token is
refused with 403 before anything else reads the form.
"""

import secrets

from fastapi import HTTPException, Request, status
from starlette.datastructures import FormData

FIELD = "csrf_token"
_KEY = "csrf"


def token(request: Request) -> str:
    """The session's token, made on first use (the sign-in page makes it before anyone signs in)."""
    value = request.session.get(_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        request.session[_KEY] = value
    return value


def renew(request: Request) -> None:
    """A new token: on signing in and out, so a token seen before cannot be replayed."""
    request.session[_KEY] = secrets.token_urlsafe(32)


async def checked_form(request: Request) -> FormData:
    """The submitted form, once its token matches the session's; 403 otherwise."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get(_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not secrets.compare_digest(sent, expected)
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "This form could not be checked: it may have been open too long or sent from another site. "
            "Go back, reload the page and try again.",
        )
    return form


def fields(form: FormData) -> dict[str, str]:
    """The text fields of a form (files and the token left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != FIELD}
