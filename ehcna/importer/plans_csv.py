"""The plan import files (docs/plan-import-format.md): typed rows, and every bad cell with its line.

``plans.csv`` has one row per plan in force: its start, its year group, a transfer in (reg 15), the
review open now. ``plan_reviews.csv`` has one row per completed review, with the amendment it decided.
As for the case import, a cell that is not a date or an allowed value, and columns that do not fit
together, are reported as ``RowError`` naming the line and the column; the statutory rules are checked
by ``importer.plans_in_force``, which replays the rows through ``domain.annual_review``.
"""

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from domain.plan import CeaseReason, ReviewOutcome
from ehcna.importer.csv_format import (
    IsoDate,
    OptionalDate,
    OptionalYesNo,
    ParsedFile,
    _one_of,
    _only_with,
    _pair,
    _Row,
    _year_group,
    read_rows,
)

SETTING_ID = re.compile(r"^(\d{6}|\d{8})$")  # a URN (6 digits) or UKPRN (8 digits), as SEN2 names a setting


def _year_groups(value: Any) -> Any:
    """Further phase transfers the plan names (infant to junior...): year groups, space-separated."""
    if value is None or isinstance(value, list):
        return value or []
    return [_year_group(part) for part in str(value).replace(";", " ").replace(",", " ").split()]


def _setting(value: Any) -> Any:
    if value is None:
        return value
    if not SETTING_ID.fullmatch(str(value)):
        raise ValueError(f"'{value}' is not a setting's URN (6 digits) or UKPRN (8 digits)")
    return str(value)


YearGroup = Annotated[int, BeforeValidator(_year_group)]
SettingId = Annotated[str | None, BeforeValidator(_setting)]
# a completed review decided to maintain or amend; a plan decided to be ceased is not imported as in force
DECISIONS = (ReviewOutcome.MAINTAIN, ReviewOutcome.AMEND)

# a decision to cease still pending (its appeal, or the plan not yet ceased); a transfer to another
# council is no decision to cease (the plan is transferred out, never imported)
CEASE_REASONS = tuple(r for r in CeaseReason if r is not CeaseReason.TRANSFERRED_TO_ANOTHER_LA)

OPEN_REVIEW = ("review_invited_date", "review_meeting_date")
REVIEW_STEPS_AFTER_INVITATION = ("review_advice_date", "review_held_date", "review_report_date")
TRANSFER_IN_DETAIL = ("old_last_review_date", "family_told_date", "reassess")


class PlanLine(_Row):
    """One plan in force: the start, the year group on the plan, and where its open review stands."""

    team: str
    start_date: IsoDate  # SEN2 StartDate: the final plan issued (here or by the council before)
    year_group: YearGroup  # on start_date (on transferred_in_date for a plan transferred in)
    setting_team: str | None = None  # the directory team of the setting that convenes the reviews
    extra_transfer_years: Annotated[list[int], BeforeValidator(_year_groups)] = Field(default_factory=list)
    transferred_in_date: OptionalDate = None  # reg 15: the day this council became responsible
    old_last_review_date: OptionalDate = None  # the old council's last review meeting, if any
    family_told_date: OptionalDate = None  # R9: the family told whether the plan will be reassessed
    reassess: OptionalYesNo = None
    review_invited_date: OptionalDate = None  # the review open now: invitations sent (R2)
    review_meeting_date: OptionalDate = None  # the date its meeting is arranged for
    review_advice_date: OptionalDate = None  # advice circulated (R3)
    review_held_date: OptionalDate = None  # the meeting held (R1 met; R5 runs)
    review_report_date: OptionalDate = None  # the report received (R4)
    # a decision to cease notified, the plan kept until it is ceased or an appeal decided (reg 31, R11)
    cease_decided_date: OptionalDate = None
    cease_reason: Annotated[CeaseReason | None, BeforeValidator(_one_of(CEASE_REASONS))] = None
    cease_appeal_date: OptionalDate = None  # an appeal to the tribunal lodged, not yet decided

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        _only_with(self, TRANSFER_IN_DETAIL, "transferred_in_date", out)
        _pair(self, "reassess", "family_told_date", out)
        _pair(self, "review_invited_date", "review_meeting_date", out)
        _only_with(self, REVIEW_STEPS_AFTER_INVITATION, "review_invited_date", out)
        if self.review_report_date is not None and self.review_held_date is None:
            out.append(("review_report_date", "given without review_held_date"))
        _pair(self, "cease_reason", "cease_decided_date", out)
        _only_with(self, ("cease_appeal_date",), "cease_decided_date", out)
        return out


AMENDMENT_DETAIL = ("amendment_response_date", "named_setting", "amended_plan_date")


class ReviewLine(_Row):
    """One completed review of a plan in plans.csv, and the amendment it decided."""

    meeting_date: IsoDate  # the review meeting held (R1 met on this date)
    decision: Annotated[ReviewOutcome, BeforeValidator(_one_of(DECISIONS))]
    decision_date: IsoDate  # the decision notified: the review is completed (R5)
    invited_date: OptionalDate = None  # R2
    advice_circulated_date: OptionalDate = None  # R3
    report_date: OptionalDate = None  # R4
    amendment_notice_date: OptionalDate = None  # reg 22: proposed amendments sent (R6, R7 start)
    amendment_response_date: OptionalDate = None  # the family's response
    named_setting: SettingId = None  # the new setting named for a phase transfer (R8)
    named_setting_team: str | None = None  # its team in the directory: it convenes the reviews from then on
    amended_plan_date: OptionalDate = None  # the amended plan issued (R7); blank while still open

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.amendment_notice_date is not None and self.decision is not ReviewOutcome.AMEND:
            out.append(("amendment_notice_date", f"given with decision {self.decision}, only with AMEND"))
        _only_with(self, AMENDMENT_DETAIL, "amendment_notice_date", out)
        _only_with(self, ("named_setting_team",), "named_setting", out)
        return out


def read_plans(path: Path) -> ParsedFile[PlanLine]:
    return read_rows(path, PlanLine)


def read_reviews(path: Path) -> ParsedFile[ReviewLine]:
    return read_rows(path, ReviewLine)
