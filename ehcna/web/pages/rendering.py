"""Templates and what every page knows: who is signed in, the menu for their role, the CSRF token."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from domain.clock import LONDON
from domain.commands import Actor, Role
from domain.deadlines import AT_RISK_WITHIN_DAYS, DeadlineStatus
from domain.kpis import Period
from ehcna.web.pages import csrf, names

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SERVICE_NAME = "EHC needs assessments"
# The organisation in the header; the service is not on GOV.UK, so it uses the generic header.


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str


NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.CASE_OFFICER: (
        NavItem("My cases", "/cases"),
        NavItem("Annual reviews", "/reviews"),
        NavItem("Find a child", "/children"),
        NavItem("Start an assessment", "/start-assessment"),
    ),
    Role.PROVIDER: (NavItem("Advice requests", "/inbox"),),
    Role.MANAGER: (
        NavItem("Performance", "/performance"),
        NavItem("Outlook", "/performance/outlook"),
        NavItem("Open cases", "/performance/open-cases"),
        NavItem("Alerts", "/performance/alerts"),
        NavItem("Workload", "/performance/workload"),
        NavItem("Cases", "/cases"),
        NavItem("Annual reviews", "/reviews"),
    ),
}
NAVIGATION[Role.ADMIN] = (*NAVIGATION[Role.MANAGER], NavItem("API tokens", "/admin/tokens"))

# A deadline's status as a GOV.UK tag: the words carry the meaning, the colour repeats it.
DEADLINE_TAGS: dict[DeadlineStatus, tuple[str, str]] = {
    DeadlineStatus.DUE: ("Due", "govuk-tag--blue"),
    DeadlineStatus.AT_RISK: ("At risk", "govuk-tag--orange"),
    DeadlineStatus.BREACHED: ("Breached", "govuk-tag--red"),
    DeadlineStatus.MISSED: ("Milestone missed", "govuk-tag--yellow"),
    DeadlineStatus.MET: ("Done", "govuk-tag--green"),
    DeadlineStatus.MET_LATE: ("Done late", "govuk-tag--pink"),
    DeadlineStatus.NOT_APPLICABLE: ("Not applicable", "govuk-tag--grey"),
}
STAGE_TAGS: dict[str, tuple[str, str]] = {
    "request": ("Awaiting decision", "govuk-tag--light-blue"),
    "advice": ("Advice", "govuk-tag--purple"),
    "drafting": ("Drafting plan", "govuk-tag--turquoise"),
    "draft_served": ("Draft with family", "govuk-tag--yellow"),
    "closed": ("Closed", "govuk-tag--grey"),
}
ALERT_TAGS: dict[str, tuple[str, str]] = {
    "claimed": ("Sending", "govuk-tag--blue"),
    "sent": ("Delivered", "govuk-tag--green"),
    "failed": ("Not delivered", "govuk-tag--red"),
}


def long_date(day: date | datetime | None) -> str:
    """GOV.UK style: 7 March 2026."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON).date()
    return f"{day.day} {day:%B %Y}"


def date_time(instant: datetime | None) -> str:
    """7 March 2026 at 9:05am, in England."""
    if instant is None:
        return ""
    local = instant.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{long_date(local.date())} at {hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def in_days(days: int | None) -> str:
    """How far a date is from today, in words."""
    if days is None:
        return ""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def month_name(period: Period) -> str:
    return f"{period.start:%B %Y}"


@pass_context
def team_name(context: Context, team_id: str | None) -> str:
    """A team as a person knows it: its name in the app's directory (Services.team_name), else its id."""
    if not team_id:
        return ""
    request = context.get("request")
    svc = getattr(getattr(getattr(request, "app", None), "state", None), "services", None)
    return svc.team_name(team_id) if svc is not None else team_id


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,  # a misspelt name fails the test, not the page silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        long_date=long_date,
        date_time=date_time,
        in_days=in_days,
        month_name=month_name,
        sentence=sentence,
        team_name=team_name,
    )
    env.globals.update(
        service_name=SERVICE_NAME,
        deadline_tags=DEADLINE_TAGS,
        stage_tags=STAGE_TAGS,
        alert_tags=ALERT_TAGS,
        at_risk_days=AT_RISK_WITHIN_DAYS,
        source_names=names.SOURCE_NAMES,
        advice_names=names.ADVICE_NAMES,
        exception_names=names.EXCEPTION_NAMES,
        outcome_names=names.OUTCOME_NAMES,
        advice_status_names=names.ADVICE_STATUS_NAMES,
        appeal_names=names.APPEAL_NAMES,
        channel_names=names.CHANNEL_NAMES,
        role_names=names.ROLE_NAMES,
        step_names=names.STEP_NAMES,
        advice_request=names.advice_request,
        team_name=team_name,
    )
    return env


ENV = _environment()


# Pages hold personal data: never cached, never framed by another site.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def flash(request: Request, message: str) -> None:
    """A success message for the next page shown (after a redirect)."""
    request.session["flash"] = message


def render(
    request: Request, template: str, actor: Actor | None = None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    nav = NAVIGATION.get(actor.role, ()) if actor else ()
    path = request.url.path
    current = max(
        (item.href for item in nav if path == item.href or path.startswith(item.href + "/")),
        key=len,
        default=None,
    )
    html = ENV.get_template(template).render(
        request=request,
        actor=actor,
        navigation=nav,
        current=current,
        csrf_field=csrf.FIELD,
        csrf_token=csrf.token(request),
        flash=request.session.pop("flash", None) if actor else None,
        organisation=request.app.state.services.organisation,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
