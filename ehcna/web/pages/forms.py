"""Forms: what a page asks for, how its answers become a command, and GOV.UK error messages.

A form is a tuple of ``Field``s named after the command's own fields, so the
command model (the same one the API and the workflow validate) stays the one
judge of what is valid. This module only turns browser input into that
model's input, and turns refusals back into errors keyed to a field: pydantic
errors from the model, ``{field, reason}`` refusals from the workflow or the
gateway. Each error links to its field in the GOV.UK error summary.

``submit_form`` is the run every form page goes through once its POST is
checked: parse, validate, send, then the form again with its errors or a
success message and a redirect.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, TypeVar

from fastapi import HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from ehcna.web.pages.rendering import flash

M = TypeVar("M", bound=BaseModel)
FieldKind = Literal["text", "textarea", "password", "number", "date", "radios", "select", "checkbox"]


@dataclass(frozen=True)
class Field:
    name: str  # the command's field, and the input's name and id
    label: str  # the question or label shown
    kind: FieldKind = "text"
    hint: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # (value, text) for radios and select
    option_hints: Mapping[str, str] = field(default_factory=dict)  # radios: value -> hint
    noun: str | None = None  # how error messages name it: "the date the decision was notified"
    width: str | None = None  # a govuk-input--width-* class
    autocomplete: str | None = None
    # a select whose value its route checks itself (a team: refused with the valid teams and audited),
    # so a value the page never offered reaches that check instead of reading as "nothing chosen"
    checked_by_route: bool = False

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the first box of a date, the first radio."""
        return f"{self.name}-day" if self.kind == "date" else self.name

    @property
    def named(self) -> str:
        return self.noun or self.label[0].lower() + self.label[1:]


@dataclass(frozen=True)
class FormError:
    field: str
    text: str
    href: str


@dataclass
class FormState:
    """A form as shown: its fields, what was typed (to show it again) and its errors."""

    fields: tuple[Field, ...]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FormError] = field(default_factory=list)

    def error_for(self, name: str) -> str | None:
        return next((e.text for e in self.errors if e.field == name), None)

    def value(self, name: str, part: str | None = None) -> str:
        value = self.values.get(name)
        if part is not None:
            return (value or {}).get(part, "") if isinstance(value, dict) else ""
        return "" if value is None else str(value)

    def add(self, name: str, text: str) -> None:
        """Record an error on ``name`` (or on the first field when the form has no such field)."""
        target = self.find(name) or self.fields[0]
        if self.error_for(target.name) is None:
            self.errors.append(FormError(target.name, _sentence(text), f"#{target.anchor}"))
        self.errors.sort(key=lambda e: [f.name for f in self.fields].index(e.field))

    def find(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def with_teams(fields: tuple[Field, ...], teams: Mapping[str, Any]) -> tuple[Field, ...]:
    """A form whose team fields offer the directory's teams by name (``teams``: id -> TeamInfo):
    ``team`` the teams of case officers, ``provider_team`` the teams asked for advice."""

    def choices(casework: bool) -> tuple[tuple[str, str], ...]:
        found = [(tid, info.name) for tid, info in teams.items() if info.casework == casework]
        return tuple(sorted(found, key=lambda pair: pair[1]))

    out = []
    for f in fields:
        if f.name in ("team", "provider_team") and teams:
            f = replace(
                f, kind="select", options=choices(f.name == "team"), width=None, checked_by_route=True
            )
        out.append(f)
    return tuple(out)


def blank(fields: tuple[Field, ...], **values: Any) -> FormState:
    """A form not yet submitted, with any values filled in beforehand."""
    return FormState(fields, {k: _shown(v) for k, v in values.items() if v is not None})


def parse(fields: tuple[Field, ...], data: Mapping[str, str]) -> tuple[FormState, dict[str, Any]]:
    """Read the submitted ``data``: the form to show again, and the input for the command.

    A blank answer is left out of the input, so the model decides whether it
    was required (and says so as "missing"). A date that is not a real date
    is an error here, as the model could not say which box is wrong.
    """
    state = FormState(fields)
    payload: dict[str, Any] = {}
    for f in fields:
        if f.kind == "date":
            parts = {p: data.get(f"{f.name}-{p}", "").strip() for p in ("day", "month", "year")}
            state.values[f.name] = parts
            if any(parts.values()):
                day, problem = date_from_parts(parts)
                if problem:
                    state.add(f.name, f"{f.named} {problem}")
                else:
                    payload[f.name] = day
        elif f.kind == "checkbox":
            checked = data.get(f.name) == "true"
            state.values[f.name] = "true" if checked else ""
            payload[f.name] = checked
        else:
            text = data.get(f.name, "").strip()
            state.values[f.name] = text
            offered = {v for v, _ in f.options}
            if f.kind in ("radios", "select") and text not in offered and not (text and f.checked_by_route):
                continue  # nothing chosen (or a value the page never offered): "select ..."
            if text:
                payload[f.name] = text
    return state, payload


def validate(model: type[M], payload: dict[str, Any], state: FormState, **given: Any) -> M | None:
    """The command, or None with the model's complaints added to ``state`` (``given``: not from the form)."""
    try:
        command = model.model_validate({**payload, **given})
    except ValidationError as err:
        for error in err.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            f = state.find(name)
            state.add(name, _message(error, f) if f else error["msg"])
        return None
    return None if state.errors else command


def add_errors(state: FormState, err: ValidationError, prefix: str = "", fallback: str = "") -> None:
    """A part's complaints (the child, a contact) on the form's own boxes, named ``prefix`` + its
    field; a complaint about the part as a whole goes on ``fallback``."""
    for error in err.errors():
        name = f"{prefix}{error['loc'][0]}" if error["loc"] else fallback
        f = state.find(name)
        state.add(name, _message(error, f) if f else str(error["msg"]).removeprefix("Value error, "))


def refusal(state: FormState, detail: Any) -> None:
    """Add a refusal ``{field, reason}`` (HTTP 409/422 detail from the API's own functions)."""
    if isinstance(detail, dict) and "reason" in detail:
        state.add(str(detail.get("field", "")), str(detail["reason"]))
    else:
        state.add("", str(detail))


async def submit_form(
    request: Request,
    fields: tuple[Field, ...],
    data: Mapping[str, str],
    model: type[M],
    *,
    send: Callable[[M], Awaitable[object]],
    show: Callable[[FormState, int], Response],
    done: str | Callable[[M], str],
    then: str | Callable[[M], str],
    given: Mapping[str, Any] | None = None,
    refused: Collection[int] = (status.HTTP_409_CONFLICT, status.HTTP_503_SERVICE_UNAVAILABLE),
) -> Response:
    """Turn the submitted ``data`` into a ``model`` command and ``send`` it.

    A form the model rejects is shown again (``show``) with 422; a refusal
    ``send`` raises as an HTTPException with a status in ``refused`` (409: the
    rule that refused, keyed to its field; 503: the case did not answer in
    time) is shown with that status. Either
    way the GOV.UK error summary lists the errors. Once sent, ``done`` is the
    success message of the next page and ``then`` where to go (a 303). Both
    may be worked out from the command. ``given``: command fields not asked
    on the form (who acts, what the address says).
    """
    form, answers = parse(fields, data)
    command = validate(model, answers, form, **(given or {}))
    if command is None:
        return show(form, status.HTTP_422_UNPROCESSABLE_CONTENT)
    try:
        await send(command)
    except HTTPException as err:
        if err.status_code not in refused:
            raise
        refusal(form, err.detail)
        return show(form, err.status_code)
    flash(request, done(command) if callable(done) else done)
    return RedirectResponse(then(command) if callable(then) else then, status_code=status.HTTP_303_SEE_OTHER)


def _message(error: Any, f: Field) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        verb = "Select" if f.kind in ("radios", "select") else "Enter"
        return f"{verb} {f.named}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_too_long":
        return f"{f.named} must be {ctx.get('max_length')} characters or fewer"
    if kind == "string_too_short":
        return f"Enter {f.named}"
    if kind == "int_parsing":
        return f"{f.named} must be a whole number"
    if kind == "greater_than_equal":
        return f"{f.named} must be {ctx.get('ge')} or more"
    if kind == "less_than_equal":
        return f"{f.named} must be {ctx.get('le')} or less"
    if kind in ("enum", "literal_error"):
        return f"Select {f.named}"
    return f"{f.named}: {error['msg']}"


def date_from_parts(parts: dict[str, str]) -> tuple[date | None, str | None]:
    """A date from GOV.UK day, month and year boxes, or what is wrong with them."""
    missing = [p for p in ("day", "month", "year") if not parts[p]]
    if missing:
        return None, "must include a " + " and a ".join(missing)
    if not all(parts[p].isdigit() for p in parts):
        return None, "must be a real date"
    if len(parts["year"]) != 4:
        return None, "must include a year with 4 numbers"
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), None
    except ValueError:
        return None, "must be a real date"


def _shown(value: Any) -> Any:
    if isinstance(value, date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "There is a problem with this answer"
