"""The state of one EHC plan in force, as the statute describes it (plan-lifecycle.md).

A plan carries no personal data: its reference, its team, its dates and the child's year cohort
(``reception_year``), never a date of birth. It is kept small: completed reviews leave it for the
record (the workflow continues as new at each), only the latest stays for the next R1 date.
"""

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain.phase_transfer import PhaseTransfer


class ReviewOutcome(StrEnum):
    """The LA's decision after a review meeting (reg 20)."""

    MAINTAIN = "MAINTAIN"
    AMEND = "AMEND"
    CEASE = "CEASE"


class CeaseReason(StrEnum):
    """SEN2 ``CeaseReason`` (item 4.6 of the 2025 guide; docs/sen2-reference.md §7.1)."""

    MAXIMUM_AGE = "1"
    NEEDS_MET_WITHOUT_PLAN = "2"
    HIGHER_EDUCATION = "3"
    PAID_EMPLOYMENT = "4"
    TRANSFERRED_TO_ANOTHER_LA = "5"
    NO_LONGER_ENGAGES = "6"
    MOVED_OUTSIDE_ENGLAND = "7"
    DECEASED = "8"
    OTHER = "9"


class AppealOutcome(StrEnum):
    """How an appeal against a decision to cease ended."""

    DISMISSED = "DISMISSED"  # the tribunal upheld the decision to cease
    WITHDRAWN = "WITHDRAWN"  # the family withdrew the appeal: the decision stands
    PLAN_KEPT = "PLAN_KEPT"  # the tribunal ordered the plan to be maintained


class PlanStatus(StrEnum):
    """Where a plan is; the ``PlanStage`` search attribute."""

    IN_FORCE = "in_force"
    CEASING = "ceasing"  # a decision to cease is notified; the plan is kept until it ceases (R11)
    CEASED = "ceased"
    TRANSFERRED_OUT = "transferred_out"


class Review(BaseModel):
    """One annual review, from its invitations to the decision that completes it."""

    invited_on: date | None = None  # invitations sent (R2)
    meeting_on: date | None = None  # the date the meeting is arranged for
    advice_circulated_on: date | None = None  # R3
    held_on: date | None = None  # the meeting held: R1 met, R5 starts
    report_on: date | None = None  # R4
    outcome: ReviewOutcome | None = None
    decided_on: date | None = None  # the decision notified: the review is completed (ENGINE RULE)
    due: date | None = None  # its R1 (or R10) date, kept once completed for the record

    @property
    def completed(self) -> bool:
        return self.decided_on is not None


class Amendment(BaseModel):
    """Proposed amendments (reg 22): the notice, the family's 15 days, the amended plan within 8 weeks."""

    decided_on: date | None = None  # at a review (AMEND); None for an amendment outside a review
    notice_on: date | None = None
    family_response_on: date | None = None
    setting: str | None = None  # the setting named for a phase transfer (URN or UKPRN)
    setting_team: str | None = None  # its team in the directory, which then convenes the reviews
    issued_on: date | None = None


class CeaseDecision(BaseModel):
    """A decision to cease (reg 31): notified with the right of appeal; the plan is kept meanwhile."""

    decided_on: date
    reason: CeaseReason
    appeal_lodged_on: date | None = None
    appeal_outcome: AppealOutcome | None = None
    appeal_decided_on: date | None = None

    @property
    def appeal_pending(self) -> bool:
        return self.appeal_lodged_on is not None and self.appeal_outcome is None


class TransferIn(BaseModel):
    """A plan transferred in from another council (reg 15)."""

    transferred_on: date
    old_last_review_on: date  # the old council's last review meeting, or the plan's start if none
    family_told_on: date | None = None  # R9: told whether this council will reassess
    reassess: bool | None = None


class Plan(BaseModel):
    """One EHC plan. Identity is ``ref``; the workflow id is ``ehcplan-<ref>``."""

    ref: str
    team: str  # the case officers' team that holds it
    setting_team: str | None = None  # the directory team of the setting that convenes its reviews
    start_on: date  # SEN2 StartDate: the date the final plan was issued (here or elsewhere)
    reception_year: int  # the year cohort: the child entered reception in September of this year
    extra_transfer_years: list[int] = Field(default_factory=list)  # infant->junior etc., when the plan says
    transfer_in: TransferIn | None = None
    review: Review = Field(default_factory=Review)  # the review now open
    last_review: Review | None = None  # the latest completed review
    reviews_completed: int = 0
    amendment: Amendment | None = None  # open amendment
    last_amendment: Amendment | None = None
    transfers: list[PhaseTransfer] = Field(default_factory=list)
    cease: CeaseDecision | None = None
    ended_on: date | None = None  # SEN2 CeaseDate
    end_reason: CeaseReason | None = None  # SEN2 CeaseReason

    @property
    def status(self) -> PlanStatus:
        if self.ended_on is not None:
            if self.end_reason is CeaseReason.TRANSFERRED_TO_ANOTHER_LA:
                return PlanStatus.TRANSFERRED_OUT
            return PlanStatus.CEASED
        return PlanStatus.CEASING if self.cease is not None else PlanStatus.IN_FORCE

    @property
    def in_force(self) -> bool:
        return self.ended_on is None

    def changeable_copy(self) -> "Plan":
        """A copy whose parts the rules may change in place. Each part (a review, an amendment, a
        transfer...) holds only dates, numbers, strings and enums, so a copy of each part is a deep copy
        at a fraction of ``model_copy(deep=True)``'s cost (18% of an import's CPU went to it)."""
        parts: dict[str, Any] = {
            name: part.model_copy() for name in CHANGEABLE_PARTS if (part := getattr(self, name)) is not None
        }
        parts["transfers"] = [t.model_copy() for t in self.transfers]
        parts["extra_transfer_years"] = list(self.extra_transfer_years)
        return self.model_copy(update=parts)

    def latest_event_date(self) -> date:
        """The latest date recorded on the plan; an ending may not precede it (a meeting arranged for
        later and the review's R1 date are not events)."""
        days = [self.start_on]
        for part in (self.transfer_in, self.review, self.last_review, self.amendment, self.last_amendment):
            days += _event_dates(part)
        days += _event_dates(self.cease)
        return max(days)


NOT_EVENTS = {"meeting_on", "due"}
# the parts of a plan that are models of their own (``Plan.changeable_copy`` copies each)
CHANGEABLE_PARTS = ("transfer_in", "review", "last_review", "amendment", "last_amendment", "cease")


def _event_dates(part: BaseModel | None) -> list[date]:
    if part is None:
        return []
    return [v for k, v in vars(part).items() if isinstance(v, date) and k not in NOT_EVENTS]
