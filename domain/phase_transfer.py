"""Phase transfers (reg 18, R8): which Septembers move a child to a new phase, and the date the plan
must be amended by, naming the new setting.

A plan carries the child's national curriculum year cohort, never their date of birth: ``reception_year``
is the calendar year in whose September the child entered (or enters) reception, so the child is in year
``S - reception_year`` in the school year that starts in September of ``S`` (reception 0, nursery -1).

ENGINE RULE (phase transfers): the transfers that bind are entry to reception, year 6 to year 7 and
year 11 to year 12; the R8 date is 15 February of the year of the transfer, 31 March for year 11 to 12.
Infant to junior and first or middle school transfers bind only when the plan says so (``extra_years``:
the year group entered, 15 February). The year group on the plan gives the transfer year.
ENGINE RULE (which transfers a plan owes): those whose R8 date is on or after the plan's start; a plan
made later names its setting itself.
"""

from datetime import date

from pydantic import BaseModel

RECEPTION = 0
SECONDARY = 7
POST_16 = 12
BINDING_YEARS: tuple[int, ...] = (RECEPTION, SECONDARY, POST_16)
TRANSFER_MONTH = 9  # the transfer happens in September


class PhaseTransfer(BaseModel):
    """One transfer: into ``year_group`` in September of ``year``, amended by ``due``."""

    year_group: int
    year: int
    due: date
    finalised_on: date | None = None  # the amended plan naming the new setting was issued
    setting: str | None = None  # the URN or UKPRN named

    @property
    def key(self) -> str:
        return f"R8:{self.year}"


def school_year_start(on: date) -> int:
    """The calendar year in whose September the school year containing ``on`` began."""
    return on.year if on.month >= TRANSFER_MONTH else on.year - 1


def reception_year_of(year_group: int, on: date) -> int:
    """The cohort of a child in ``year_group`` on ``on`` (the year group on the plan)."""
    return school_year_start(on) - year_group


def year_group_on(reception_year: int, on: date) -> int:
    return school_year_start(on) - reception_year


def transfer_due(year_group: int, year: int) -> date:
    """R8: 15 February of the year of the transfer; 31 March for year 11 to year 12 (post-16)."""
    return date(year, 3, 31) if year_group == POST_16 else date(year, 2, 15)


def transfers_owed(
    reception_year: int, start: date, extra_years: tuple[int, ...] = ()
) -> list[PhaseTransfer]:
    """The phase transfers a plan started on ``start`` must meet, soonest first."""
    out = []
    for year_group in sorted({*BINDING_YEARS, *extra_years}):
        year = reception_year + year_group
        due = transfer_due(year_group, year)
        if due >= start:
            out.append(PhaseTransfer(year_group=year_group, year=year, due=due))
    return out
