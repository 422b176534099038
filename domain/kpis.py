"""The timeliness measures of kpis.md as pure definitions: ids, titles, figures, periods.

The SQL that counts lives in ``store/kpi_queries.py``; this module only says
what a figure is, how it reads (``79.3% (23/29)``), which period a date falls
in and how two periods compare.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from domain.case import AdviceKind
from domain.statutory_calendar import FINAL_PLAN_WEEKS, REGULATIONS_IN_FORCE, advice_due, within_weeks
from domain.words import day_in_words

# ---------------------------------------------------------------- measures


class Unit(StrEnum):
    PERCENT = "percent"  # a Figure: numerator / denominator
    COUNT = "count"
    WEEKS = "weeks"


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    unit: Unit
    higher_is_better: bool | None  # None: a reading, neither good nor bad (open cases by stage)


MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure("K1", "EHC plans issued within 20 weeks, excluding exceptions", Unit.PERCENT, True),
        Measure("K2", "EHC plans issued within 20 weeks, including exceptions", Unit.PERCENT, True),
        Measure("K3", "Requests decided within 6 weeks", Unit.PERCENT, True),
        Measure("K4", "Decisions not to issue a plan made within 16 weeks", Unit.PERCENT, True),
        Measure("K5", "Advice returned within 6 weeks, excluding exceptions", Unit.PERCENT, True),
        Measure("K6", "Time to issue, banded", Unit.PERCENT, None),
        Measure("K7", "Weeks from day 0 to final plan", Unit.WEEKS, False),
        Measure("K8", "Open assessments", Unit.COUNT, None),
        Measure("K9", "Open assessments past 20 weeks (backlog)", Unit.COUNT, False),
        Measure("K10", "Breaches raised", Unit.COUNT, False),
        Measure("K11", "Requests for an assessment received", Unit.COUNT, None),
        Measure("K12", "Decisions whether to assess made", Unit.COUNT, None),
        Measure("K13", "Assessments completed (decisions whether to issue a plan)", Unit.COUNT, None),
        # after the plan: plan-lifecycle.md, "Measures" (E is the period's last day, or today if earlier)
        Measure("L1", "EHC plans in force at the end of the period", Unit.COUNT, None),
        Measure("L2", "Plans with a review completed in the last 12 months", Unit.PERCENT, True),
        Measure("L3", "Annual reviews recorded (meetings held)", Unit.COUNT, None),
        Measure("L4", "Review decisions within 4 weeks of the meeting", Unit.PERCENT, True),
        Measure("L5", "Reviews held within 12 months", Unit.PERCENT, True),
        Measure("L6", "Amended plans issued within 8 weeks of the notice", Unit.PERCENT, True),
        Measure("L7", "Phase transfers finalised by the statutory date", Unit.PERCENT, True),
        Measure("L8", "Overdue annual reviews at the end of the period (backlog)", Unit.COUNT, False),
        Measure("L9", "Plans ceased", Unit.COUNT, None),
    )
}

# K5 rows: the kinds the seed dashboards show first, then any other kind found.
K5_KIND_ORDER: tuple[str, ...] = tuple(
    k.value
    for k in (
        AdviceKind.HEALTH,
        AdviceKind.SOCIAL_CARE,
        AdviceKind.EP,
        AdviceKind.EDUCATION,
        AdviceKind.PFA,
        AdviceKind.OTHER,
    )
)
K5_ALWAYS_SHOWN: tuple[str, ...] = K5_KIND_ORDER[:4]

# K1/K2/K6: ENGINE RULE "within 20 weeks" = issued on or before day 0 + 140.
IN_TIME_PLAN_DAYS = (within_weeks(date.min, FINAL_PLAN_WEEKS) - date.min).days
# K5: advice in time = returned on or before its request date + 42 (advice_due); the outlook counts so too
ADVICE_IN_TIME_DAYS = (advice_due(date.min) - date.min).days


def kind_sort_key(kind: str) -> tuple[int, str]:
    return (K5_KIND_ORDER.index(kind) if kind in K5_KIND_ORDER else len(K5_KIND_ORDER), kind)


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """A percentage that keeps its numerator and denominator, as councils report it."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.denominator < 0 or not 0 <= self.numerator <= max(self.denominator, 0):
            raise ValueError(f"not a proportion: {self.numerator}/{self.denominator}")

    @property
    def percent(self) -> float | None:
        """Rounded half up to one decimal, exactly (23/29 -> 79.3; 1/16 -> 6.3); None for 0/0."""
        if self.denominator == 0:
            return None
        exact = Decimal(100 * self.numerator) / Decimal(self.denominator)
        return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def __str__(self) -> str:
        pct = self.percent
        shown = "n/a" if pct is None else f"{pct:.1f}%"
        return f"{shown} ({self.numerator}/{self.denominator})"


Value = Figure | int | float | None


def change(latest: Value, earlier: Value) -> float | int | None:
    """Latest minus earlier: percentage points for figures, units for counts and weeks.

    Points are taken from the rounded percentages, so the change shown is the
    difference of the two figures shown.
    """
    if isinstance(latest, Figure) and isinstance(earlier, Figure):
        if latest.percent is None or earlier.percent is None:
            return None
        return round(latest.percent - earlier.percent, 1)
    if isinstance(latest, int) and isinstance(earlier, int):
        return latest - earlier
    if isinstance(latest, int | float) and isinstance(earlier, int | float):
        return round(latest - earlier, 1)
    return None


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    UNKNOWN = "unknown"  # nothing to compare with

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "flat": "→", "unknown": " "}[self.value]


def trend(delta: float | None) -> Trend:
    """The arrow follows the change from the previous period as shown (0.0 is flat)."""
    if delta is None:
        return Trend.UNKNOWN
    if delta > 0:
        return Trend.UP
    if delta < 0:
        return Trend.DOWN
    return Trend.FLAT


def improving(delta: float | None, higher_is_better: bool | None) -> bool | None:
    """Whether a change is good news for this measure (None when neutral or unchanged)."""
    if delta is None or higher_is_better is None or delta == 0:
        return None
    return (delta > 0) == higher_is_better


# ---------------------------------------------------------------- week bands


@dataclass(frozen=True)
class WeekBand:
    """Days ``after_days < d <= max_days`` (``max_days`` None: no upper bound).

    The upper bound belongs to the band, as a duty "within N weeks" is met on
    day 7N: a plan issued on day 140 is in "≤ 20 weeks".
    """

    key: str
    label: str
    after_days: int
    max_days: int | None

    def contains(self, days: int) -> bool:
        return days > self.after_days and (self.max_days is None or days <= self.max_days)


# K6: weeks from day 0 to the final plan.
ISSUE_BANDS: tuple[WeekBand, ...] = (
    WeekBand("le20", "≤ 20 weeks", -1, IN_TIME_PLAN_DAYS),
    WeekBand("20to52", "> 20 and ≤ 52 weeks", IN_TIME_PLAN_DAYS, 364),
    WeekBand("gt52", "> 52 weeks", 364, None),
)

# K8: weeks an open case has been open at a date; "20+" is exactly the K9 backlog.
OPEN_BANDS: tuple[WeekBand, ...] = (
    WeekBand("0-6", "0-6 weeks", -1, 42),
    WeekBand("6-12", "6-12 weeks", 42, 84),
    WeekBand("12-16", "12-16 weeks", 84, 112),
    WeekBand("16-20", "16-20 weeks", 112, 140),
    WeekBand("20+", "20+ weeks", 140, None),
)

OPEN_STAGES: tuple[str, ...] = ("request", "advice", "drafting", "draft_served")


def band_of(days: int, bands: tuple[WeekBand, ...]) -> WeekBand:
    for band in bands:
        if band.contains(days):
            return band
    raise ValueError(f"{days} days is in no band")


# ---------------------------------------------------------------- periods


class PeriodKind(StrEnum):
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


def _shift_year(day: date, years: int) -> date:
    """The same calendar date ``years`` later (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Period:
    """A calendar month, a calendar year or an inclusive date range."""

    kind: PeriodKind
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"the period ends ({day_in_words(self.end)}) before it starts ({day_in_words(self.start)})"
            )

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls(PeriodKind.MONTH, date(year, month, 1), date(year, month, last))

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def between(cls, start: date, end: date) -> "Period":
        return cls(PeriodKind.RANGE, start, end)

    @classmethod
    def month_of(cls, day: date) -> "Period":
        return cls.month(day.year, day.month)

    @property
    def label(self) -> str:
        match self.kind:
            case PeriodKind.MONTH:
                return f"{self.start:%Y-%m}"
            case PeriodKind.YEAR:
                return f"{self.start:%Y}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period just before: the previous month or year, or a range as long ending the day before."""
        match self.kind:
            case PeriodKind.MONTH:
                return Period.month_of(self.start - timedelta(days=1))
            case PeriodKind.YEAR:
                return Period.year(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period.between(end - timedelta(days=self.days - 1), end)

    def year_earlier(self) -> "Period":
        """The same period a year earlier."""
        match self.kind:
            case PeriodKind.MONTH:
                return Period.month(self.start.year - 1, self.start.month)
            case PeriodKind.YEAR:
                return Period.year(self.start.year - 1)
        return Period.between(_shift_year(self.start, -1), _shift_year(self.end, -1))

    def year_to_date(self) -> "Period":
        """ENGINE RULE (K11-K13): the calendar year of the period's last day, up to that day (the SEN2
        return and the national figures count calendar years)."""
        return Period.between(date(self.end.year, 1, 1), self.end)

    def snapshot_date(self, today: date) -> date:
        """The date open cases are counted at (K8, K9): the period's last day, or today if earlier."""
        return min(self.end, today)


def months_ending(last: date, count: int) -> list[Period]:
    """The ``count`` calendar months ending with the month of ``last``, oldest first."""
    months = [Period.month_of(last)]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def parse_month(text: str) -> Period:
    """``2026-10`` -> October 2026; ValueError naming the expected form otherwise."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"'{text}' is not a month; expected YYYY-MM, e.g. 2026-10")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}' is not a month: {month} is not between 1 and 12")
    _measured(year, text)
    return Period.month(year, month)


def _measured(year: int, text: str) -> None:
    """The measures count from the 2014 reforms (and leave room for the year after a period)."""
    if not REGULATIONS_IN_FORCE.year <= year <= 9998:
        raise ValueError(f"'{text}' is outside the years measured ({REGULATIONS_IN_FORCE.year} onwards)")


def parse_year(text: str) -> Period:
    text = text.strip()
    if len(text) != 4 or not text.isdigit() or int(text) < 1:
        raise ValueError(f"'{text}' is not a year; expected YYYY, e.g. 2025")
    _measured(int(text), text)
    return Period.year(int(text))


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date; expected YYYY-MM-DD, e.g. 2026-04-01") from None


# ---------------------------------------------------------------- national figures


@dataclass(frozen=True)
class NationalFigures:
    """England, DfE "Education, health and care plans", one calendar year."""

    year: int
    initial_requests: int
    new_plans: int
    within_20_weeks: Figure  # excluding exceptions: the national K1


NATIONAL: dict[int, NationalFigures] = {
    n.year: n
    for n in (
        NationalFigures(2019, 82_329, 53_899, Figure(29_895, 49_519)),
        NationalFigures(2020, 75_951, 60_097, Figure(31_446, 54_175)),
        NationalFigures(2021, 93_302, 62_180, Figure(34_249, 57_196)),
        NationalFigures(2022, 114_482, 66_706, Figure(30_536, 62_108)),
        NationalFigures(2023, 138_242, 84_428, Figure(38_471, 76_506)),
        NationalFigures(2024, 154_489, 97_747, Figure(39_407, 84_866)),
    )
}

# Published without counts: requests decided within 6 weeks (the national K3).
NATIONAL_K3_PERCENT: dict[int, float] = {2023: 84.8, 2024: 84.8}


def national_k1(year: int) -> Figure | None:
    """The national K1 of that calendar year, or None where none is published."""
    figures = NATIONAL.get(year)
    return figures.within_20_weeks if figures else None
