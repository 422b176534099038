"""Text query parameters (a search, a filter, a record id) checked before they reach the store.

A NUL byte makes PostgreSQL fail the whole query (a 500), and no control character is ever part of
what anyone looks for. The API answers 422 with the parameter and the reason; a page shows the
reason in its GOV.UK error summary, on the box it came from.
"""

from fastapi import HTTPException, status

from domain.text import text_problem


def query_text_problem(value: str | None) -> str | None:
    """Why ``value`` cannot be looked up, or None (also when no value was given); the reason reads
    after the parameter's name: "must not contain control characters: remove a NUL byte"."""
    return None if value is None else text_problem(value)


def query_text_error(label: str, value: str | None) -> str | None:
    """A page's error message for the box ``label`` ("Search must not contain control characters:
    remove a NUL byte"), or None when ``value`` can be looked up."""
    problem = query_text_problem(value)
    return f"{label} {problem}" if problem else None


def query_text_problems(**params: str | None) -> dict[str, str]:
    """Each of ``params`` (name=value) that cannot be looked up, with its reason."""
    return {name: problem for name, value in params.items() if (problem := query_text_problem(value))}


def check_query_text(**params: str | None) -> None:
    """The API's refusal: 422 with the first parameter that cannot be looked up and the reason."""
    for field, reason in query_text_problems(**params).items():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": field, "reason": reason})
