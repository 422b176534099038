"""What-if scenarios, as the command line and the page write them, and the refusals of bad input.

    ep-service=+10/week                      a team returns 10 more advice a week, from the start
    ep-service=-5/week@2026-07-01..2026-09-30  5 fewer a week for a period (a locum leaving, say)
    ep-service=38/week@2026-08-01            38 a week from a date on
    demand=+20%   demand=x1.2   demand=50/week  requests: a factor, or a rate a week
    officers=+10%  officers=x0.8             case officers' capacity (the cases they hold at once), a factor

Every refusal names the field and the reason (``Refused``); nothing is echoed but the field.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from ehcna.forecast.calibration import TooLittleHistory

MAX_MONTHS = 24
MAX_RUNS = 5000


class Refused(ValueError):
    """Bad input to a forecast: which field, and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class TeamChange:
    team: str
    delta: float | None  # +N a week
    value: float | None  # N a week
    start: date | None = None  # None: from the forecast date
    end: date | None = None  # None: to the end (inclusive otherwise)

    def words(self) -> str:
        what = f"{self.delta:+g} a week" if self.delta is not None else f"{self.value:g} a week"
        when = ""
        if self.start and self.end:
            when = f" from {self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        elif self.start:
            when = f" from {self.start:%-d %B %Y}"
        elif self.end:
            when = f" until {self.end:%-d %B %Y}"
        return f"{self.team}: capacity {what}{when}"


@dataclass(frozen=True)
class Scenario:
    text: str = ""  # as given, e.g. "ep-service=+10/week"
    teams: tuple[TeamChange, ...] = ()
    demand_factor: float = 1.0
    demand_rate: float | None = None  # requests a week, instead of the history's
    officers: float = 1.0  # a factor on the officers' places (engine.officer_places)
    parts: tuple[str, ...] = field(default=())

    @property
    def is_baseline(self) -> bool:
        return (
            not self.teams and self.demand_factor == 1.0 and self.demand_rate is None and self.officers == 1
        )

    def words(self) -> list[str]:
        out = [t.words() for t in self.teams]
        if self.demand_rate is not None:
            out.append(f"requests: {self.demand_rate:g} a week")
        elif self.demand_factor != 1.0:
            out.append(f"requests: {self.demand_factor - 1:+.0%}")
        if self.officers != 1.0:
            out.append(f"officers' capacity: {self.officers - 1:+.0%}")
        return out


_NUMBER = r"(\d+(?:\.\d+)?)"
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _factor(value: str, what: str) -> float:
    if m := re.fullmatch(r"x" + _NUMBER, value):
        factor = float(m.group(1))
    elif m := re.fullmatch(r"([+-])" + _NUMBER + "%", value):
        factor = 1 + (1 if m.group(1) == "+" else -1) * float(m.group(2)) / 100
    else:
        raise Refused("scenario", f"{what} takes a factor such as +20%, -10% or x1.2")
    if factor <= 0:
        raise Refused("scenario", f"{what} must stay above nothing: {value} leaves none")
    return factor


def _period(text: str) -> tuple[date | None, date | None]:
    first, sep, last = text.partition("..")
    try:
        start = date.fromisoformat(first) if first else None
        end = date.fromisoformat(last) if last else None
    except ValueError:
        raise Refused("scenario", "a period is @YYYY-MM-DD or @YYYY-MM-DD..YYYY-MM-DD") from None
    if not sep and start is None:
        raise Refused("scenario", "a period is @YYYY-MM-DD or @YYYY-MM-DD..YYYY-MM-DD")
    if start and end and end < start:
        raise Refused("scenario", "the period ends before it starts")
    return start, end


def parse_scenario(parts: list[str] | tuple[str, ...]) -> Scenario:
    """``["ep-service=+10/week", "demand=+20%"]`` -> a Scenario; Refused("scenario", why) otherwise.

    Team names are checked against the history later (``check_teams``), when it is read."""
    teams: list[TeamChange] = []
    demand_factor, demand_rate, officers = 1.0, None, 1.0
    cleaned = tuple(p.strip() for part in parts for p in part.split(",") if p.strip())
    for part in cleaned:
        if len(part) > 120:
            raise Refused("scenario", "a scenario part is at most 120 characters")
        key, eq, value = part.partition("=")
        key, value = key.strip().lower(), value.strip().replace(" ", "")
        if not eq or not key or not value:
            raise Refused("scenario", "write each change as name=value, e.g. ep-service=+10/week")
        value, at, when = value.partition("@")
        if key == "demand":
            if at:
                raise Refused(
                    "scenario", "a period is for a team's capacity; demand changes for the whole forecast"
                )
            if m := re.fullmatch(_NUMBER + "/week", value):
                demand_rate = float(m.group(1))
            else:
                demand_factor = _factor(value, "demand")
        elif key == "officers":
            if at:
                raise Refused(
                    "scenario", "a period is for a team's capacity; officers change for the whole forecast"
                )
            officers = _factor(value, "officers")
        else:
            if not _TEAM.match(key):
                raise Refused("scenario", "a team is named by its id, e.g. ep-service")
            start, end = _period(when) if at else (None, None)
            if m := re.fullmatch(r"([+-])" + _NUMBER + "/week", value):
                delta = float(m.group(2)) * (1 if m.group(1) == "+" else -1)
                teams.append(TeamChange(key, delta, None, start, end))
            elif m := re.fullmatch(_NUMBER + "/week", value):
                teams.append(TeamChange(key, None, float(m.group(1)), start, end))
            else:
                raise Refused("scenario", f"{key}: a capacity is +N/week, -N/week or N/week (advice a week)")
    return Scenario(
        text=", ".join(cleaned),
        teams=tuple(teams),
        demand_factor=demand_factor,
        demand_rate=demand_rate,
        officers=officers,
        parts=cleaned,
    )


def check_teams(
    scenario: Scenario, capacities: dict[str, float | None], throughput: dict[str, float]
) -> None:
    """Each team named is one the history knows, and no change leaves it a negative capacity."""
    for change in scenario.teams:
        if change.team not in capacities:
            known = ", ".join(sorted(capacities)) or "none"
            raise Refused(
                "scenario", f"'{change.team}' is not a provider team in the history (known: {known})"
            )
        if change.delta is not None:
            base = capacities[change.team]
            base = throughput[change.team] if base is None else base
            if base + change.delta < 0:
                raise Refused(
                    "scenario",
                    f"{change.team}: {base:.1f} a week {change.delta:+g} would be a negative capacity",
                )


def check_months(months: int) -> int:
    if not 1 <= months <= MAX_MONTHS:
        raise Refused("months", f"the forecast looks 1 to {MAX_MONTHS} months ahead")
    return months


def check_runs(runs: int) -> int:
    if not 10 <= runs <= MAX_RUNS:
        raise Refused("runs", f"between 10 and {MAX_RUNS} runs")
    return runs


def check_window(months: int) -> int:
    if not 3 <= months <= 36:
        raise Refused("window", "the history window is 3 to 36 months")
    return months


def check_as_of(as_of: date, today: date, first_request: date | None) -> date:
    if as_of > today:
        raise Refused("as_of", f"{as_of:%-d %B %Y} is in the future: a forecast is made from what is known")
    if first_request is None:
        raise TooLittleHistory(
            "too little history to forecast from: the store holds no request for an assessment yet"
        )
    if as_of < first_request:
        raise Refused("as_of", f"the store holds no request received on or before {as_of:%-d %B %Y}")
    return as_of
