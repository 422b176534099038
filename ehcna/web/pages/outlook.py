"""The manager's Outlook: K1 forecast as a fan chart with its table, the teams' queues ahead, the open
cases most at risk, a what-if scenario beside the baseline, and a backtest from a past month.

Managers and the head of service only (``allow(MANAGERS)``: anyone else gets an audited 403). The
form is a GET: nothing changes, so it needs no CSRF token, and a forecast can be bookmarked.
"""

import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from domain.commands import Actor
from domain.kpis import Period, months_ending
from ehcna.forecast.calibration import TooLittleHistory
from ehcna.forecast.outlook import Backtest, Outlook, make_outlook
from ehcna.forecast.outlook import backtest as run_backtest
from ehcna.forecast.scenario import Refused, parse_scenario
from ehcna.store.kpi_queries import k1_by_month
from ehcna.store.models import AdviceRow
from ehcna.web import queries
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, blank
from ehcna.web.pages.names import STAGE_NAMES
from ehcna.web.pages.outlook_chart import fan_chart
from ehcna.web.pages.rendering import render
from ehcna.web.security import MANAGERS, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
manager = allow(MANAGERS, "the outlook")
PAGE_RUNS = 200  # enough for the page's figures to one point; the API and the command default to 500
AT_RISK_SHOWN = 20
NUMBER = re.compile(r"^[+-]?\d{1,4}(\.\d{1,2})?$")


@dataclass(frozen=True)
class AtRisk:
    ref: str
    team: str
    stage: str
    weeks_open: int
    p_late: str  # "81%"
    p_in_time: str
    issue: str  # "22 October 2026 (7 October to 12 November)"


RISK_RUNS = 100
RISK_SECONDS = 15 * 60
RISK_KEPT = 1000  # the riskiest cases ranked; the rest follow by urgency
# per store (its Services, held weakly: an id is checked against the object it was taken from)
_risks: dict[int, tuple[weakref.ref[Services], float, tuple[tuple[str, float], ...]]] = {}
_risks_lock = threading.Lock()


def risks(svc: Services) -> tuple[tuple[str, float], ...]:
    """Each open case's chance of passing 20 weeks (the worklist's sort by risk), the riskiest first;
    worked out at most every 15 minutes per store; none when the history is too little to forecast."""
    now = time.monotonic()
    with _risks_lock:
        kept = _risks.get(id(svc))
        if kept and kept[0]() is svc and now - kept[1] < RISK_SECONDS:
            return kept[2]
        on = queries.today()
        try:
            with queries.reader(svc) as conn:
                made = make_outlook(conn, on, on, runs=RISK_RUNS)
            ranked = sorted(((c.ref, c.p_late) for c in made.baseline.cases), key=lambda pair: -pair[1])
            found = tuple(ranked[:RISK_KEPT])
        except (Refused, TooLittleHistory):
            found = ()
        _risks[id(svc)] = (weakref.ref(svc), now, found)
        return found


def provider_teams(conn: Connection) -> list[str]:
    return list(conn.scalars(select(AdviceRow.provider_team).distinct().order_by(AdviceRow.provider_team)))


def _months_ahead(on: date, count: int = 24) -> tuple[tuple[str, str], ...]:
    first = Period.month_of(on).start
    out = []
    for i in range(count):
        year, month = divmod(first.year * 12 + first.month - 1 + i, 12)
        p = Period.month(year, month + 1)
        out.append((p.label, f"{p.start:%B %Y}"))
    return tuple(out)


def _fields(on: date, teams: list[tuple[str, str]]) -> tuple[Field, ...]:
    ahead = _months_ahead(on)
    past = tuple((p.label, f"the end of {p.start:%B %Y}") for p in reversed(months_ending(on, 25)[:-1]))
    return (
        Field(
            "months", "Months ahead", "select", options=tuple((str(n), f"{n} months") for n in range(1, 25))
        ),
        Field(
            "team", "Provider team", "select", hint="The team whose capacity changes", options=tuple(teams)
        ),
        Field(
            "change",
            "Change in advice it returns a week",
            hint="For example, +10 for ten more a week, or -5 for five fewer",
            width="govuk-input--width-5",
            noun="the change in advice a week",
        ),
        Field("start", "From", "select", hint="Leave as it is to change it from now", options=ahead),
        Field("end", "Until the end of", "select", hint="Leave as it is to keep the change", options=ahead),
        Field(
            "demand",
            "Change in requests for an assessment, per cent",
            hint="For example, +20 for a fifth more requests",
            width="govuk-input--width-5",
        ),
        Field(
            "officers",
            "Change in officers' capacity, per cent",
            hint="The cases officers can hold at once. For example, -20 for a fifth fewer; more helps only "
            "where they were short",
            width="govuk-input--width-5",
        ),
        Field("backtest", "Backtest from", "select", options=past),
    )


def _scenario_parts(form: FormState, values: dict[str, str]) -> dict[str, str]:
    """The scenario's parts by the form field each comes from; errors added to ``form``."""
    parts: dict[str, str] = {}
    team, change = values.get("team", ""), values.get("change", "").replace(" ", "")
    if change and not NUMBER.match(change):
        form.add("change", "Enter the change as a number of advice a week, like +10 or -5")
    elif change and not team:
        form.add("team", "Choose the provider team whose capacity changes")
    elif team and not change:
        form.add("change", "Enter the change in advice a week, like +10 or -5")
    elif team and change:
        signed = change if change[0] in "+-" else f"+{change}"
        when = ""
        start, end = values.get("start", ""), values.get("end", "")
        try:
            first = Period.month(*map(int, start.split("-"))).start if start else None
            last = Period.month(*map(int, end.split("-"))).end if end else None
        except (TypeError, ValueError):
            form.add("start", "Choose a month from the list")
            first = last = None
        if first or last:
            when = f"@{first.isoformat() if first else ''}..{last.isoformat() if last else ''}"
        parts["change"] = f"{team}={signed}/week{when}"
    for name, key in (("demand", "demand"), ("officers", "officers")):
        value = values.get(name, "").replace(" ", "").rstrip("%")
        if not value:
            continue
        if not NUMBER.match(value):
            form.add(name, "Enter the change as a percentage, like +20 or -10")
            continue
        parts[name] = f"{key}={value if value[0] in '+-' else '+' + value}%"
    return parts


_FIELD_OF = {"months": "months", "as_of": "backtest"}


@router.get("/performance/outlook")
def outlook_page(
    request: Request,
    months: str = "6",
    team: str = "",
    change: str = "",
    start: str = "",
    end: str = "",
    demand: str = "",
    officers: str = "",
    backtest: str = "",
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    on = queries.today()
    backtest_month = backtest
    values = {
        "months": months,
        "team": team,
        "change": change,
        "start": start,
        "end": end,
        "demand": demand,
        "officers": officers,
        "backtest": backtest_month,
    }
    with queries.reader(svc) as conn:
        teams = [(t, svc.team_name(t)) for t in provider_teams(conn)]
        form = blank(_fields(on, teams), **{k: v for k, v in values.items() if v})
        parts = _scenario_parts(form, values)
        if not months.isdigit():
            form.add("months", "Choose how many months ahead")
        if form.errors:
            return _page(request, actor, form, None, None, None, status_code=422)
        outlook: Outlook | None = None
        test: Backtest | None = None
        problem: str | None = None
        field_of = {"change": "change", "demand": "demand", "officers": "officers"}
        try:
            scenario = None
            for name, part in parts.items():  # each part alone first: an error names its own field
                try:
                    parse_scenario([part])
                except Refused as err:
                    form.add(field_of[name], err.reason)
            if not form.errors:
                scenario = parse_scenario(list(parts.values()))
                outlook = make_outlook(conn, on, on, months=int(months), scenario=scenario, runs=PAGE_RUNS)
                if backtest_month:
                    try:
                        as_of = Period.month(*map(int, backtest_month.split("-"))).end
                    except (TypeError, ValueError):
                        raise Refused("as_of", "choose a month from the list") from None
                    test = run_backtest(conn, as_of, on, months=int(months), runs=PAGE_RUNS)
        except Refused as err:
            if err.field == "scenario" and "provider team" in err.reason:
                form.add("team", err.reason)
            else:
                form.add(_FIELD_OF.get(err.field, "change"), err.reason)
        except TooLittleHistory as err:
            problem = str(err)
        recorded = []
        if outlook is not None:
            periods = months_ending(on.replace(day=1) - timedelta(days=1), 12)
            found = k1_by_month(conn, periods)
            recorded = [(p, found[p.label]) for p in periods]
    if form.errors:
        return _page(request, actor, form, None, None, None, status_code=422)
    return _page(request, actor, form, outlook, test, problem, recorded=recorded)


def _at_risk(outlook: Outlook, on: date) -> list[AtRisk]:
    cases = sorted(outlook.baseline.cases, key=lambda c: (-c.p_late, c.day0))[:AT_RISK_SHOWN]
    out = []
    for c in cases:
        issue = "No plan likely"
        if c.issue_median and c.issue_low and c.issue_high:
            issue = f"{c.issue_median:%-d %B %Y} ({c.issue_low:%-d %B} to {c.issue_high:%-d %B %Y})"
        out.append(
            AtRisk(
                c.ref,
                c.team,
                STAGE_NAMES.get(c.stage, c.stage),
                (on - c.day0).days // 7,
                f"{c.p_late:.0%}",
                f"{c.p_in_time:.0%}",
                issue,
            )
        )
    return out


def _page(
    request: Request,
    actor: Actor,
    form: FormState,
    outlook: Outlook | None,
    test: Backtest | None,
    problem: str | None,
    *,
    status_code: int = 200,
    recorded: list | None = None,
) -> Response:
    chart = None
    if outlook is not None:
        chart = fan_chart(
            recorded or [], outlook.baseline.months, outlook.scenario.months if outlook.scenario else None
        )
    svc: Services = request.app.state.services
    changes = []
    if outlook is not None and outlook.scenario is not None:
        for change in outlook.scenario.scenario.teams:  # a team as people know it, not by its id
            changes.append(change.words().replace(f"{change.team}:", f"{svc.team_name(change.team)}:", 1))
        changes += outlook.scenario.scenario.words()[len(changes) :]
    return render(
        request,
        "manager/outlook.html",
        actor,
        status_code=status_code,
        changes=changes,
        form=form,
        outlook=outlook,
        chart=chart,
        at_risk=_at_risk(outlook, outlook.as_of) if outlook else [],
        test=test,
        problem=problem,
    )
