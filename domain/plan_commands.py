"""The actions people take on a plan in force, one model each.

As for the assessment, every command carries who acts and the date the action took effect (never
later than the day it is entered), except the date a review meeting is arranged for, which may be ahead.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from domain.commands import REF_PATTERN, SYSTEM, Actor, TeamName
from domain.plan import AppealOutcome, CeaseReason, ReviewOutcome

# SEN2 names a setting by its URN (6 digits) or UKPRN (8 digits)
SettingId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\d{6}|\d{8})$")]
YearGroup = Annotated[int, Field(ge=-3, le=14)]


class StartPlan(BaseModel):
    """A plan comes into force: its final plan issued here (an assessment), or before the engine, or
    transferred in from another council (``transferred_on`` and ``old_last_review_on``)."""

    ref: str
    team: TeamName
    setting_team: TeamName | None = None
    start_on: date  # SEN2 StartDate
    year_group: YearGroup  # the year group on the plan, on ``start_on`` (or on the transfer)
    extra_transfer_years: list[YearGroup] = Field(default_factory=list, max_length=4)
    transferred_on: date | None = None  # reg 15: the day this council became responsible
    old_last_review_on: date | None = None  # the old council's last review meeting, if any
    last_review_on: date | None = None  # a plan already here: its latest review meeting (imports)
    by: Actor = SYSTEM

    @field_validator("ref")
    @classmethod
    def _ref_shape(cls, ref: str) -> str:
        if not REF_PATTERN.match(ref):
            raise ValueError(
                "a plan reference is 1-64 letters, digits, '-' or '_', starting with a letter "
                "or digit (no names: it appears in the workflow id)"
            )
        return ref


class ScheduleReviewMeeting(BaseModel):
    """Invitations sent on ``on`` for a meeting on ``meeting_on`` (R2: 2 weeks' notice, warned)."""

    kind: Literal["schedule_review_meeting"] = "schedule_review_meeting"
    meeting_on: date
    on: date
    by: Actor


class CirculateReviewAdvice(BaseModel):
    """Advice and information sent to those invited (R3: 2 weeks before the meeting, warned)."""

    kind: Literal["circulate_review_advice"] = "circulate_review_advice"
    on: date
    by: Actor


class HoldReviewMeeting(BaseModel):
    kind: Literal["hold_review_meeting"] = "hold_review_meeting"
    on: date
    by: Actor


class ReceiveReviewReport(BaseModel):
    """The report of the meeting sent to the LA and everyone invited (R4: within 2 weeks, warned)."""

    kind: Literal["receive_review_report"] = "receive_review_report"
    on: date
    by: Actor


class DecideReview(BaseModel):
    """The LA's decision, on the day it is notified (R5); a decision to cease gives its reason (R11)."""

    kind: Literal["decide_review"] = "decide_review"
    outcome: ReviewOutcome
    on: date
    cease_reason: CeaseReason | None = None
    appeal_information_given: bool = False
    by: Actor


class SendAmendmentNotice(BaseModel):
    """Proposed amendments sent to the family (reg 22): their 15 days (R6) and the 8 weeks (R7) start."""

    kind: Literal["send_amendment_notice"] = "send_amendment_notice"
    on: date
    by: Actor


class RecordAmendmentResponse(BaseModel):
    kind: Literal["record_amendment_response"] = "record_amendment_response"
    on: date
    by: Actor


class NameSetting(BaseModel):
    """The new setting for a phase transfer, named in the amendment (R8)."""

    kind: Literal["name_setting"] = "name_setting"
    setting: SettingId
    # the new setting's team in the directory, when it has one: it convenes the reviews once the amended
    # plan naming it is issued (the old setting's inbox no longer shows the plan)
    setting_team: TeamName | None = None
    on: date
    by: Actor


class IssueAmendedPlan(BaseModel):
    kind: Literal["issue_amended_plan"] = "issue_amended_plan"
    on: date
    by: Actor


class DecideToCease(BaseModel):
    """A decision to cease outside a review (reg 29-31), notified with the right of appeal."""

    kind: Literal["decide_to_cease"] = "decide_to_cease"
    reason: CeaseReason
    on: date
    appeal_information_given: bool = False
    by: Actor


class RecordCeaseAppeal(BaseModel):
    kind: Literal["record_cease_appeal"] = "record_cease_appeal"
    on: date
    by: Actor


class RecordCeaseAppealOutcome(BaseModel):
    kind: Literal["record_cease_appeal_outcome"] = "record_cease_appeal_outcome"
    outcome: AppealOutcome
    on: date
    by: Actor


class CeasePlan(BaseModel):
    """The plan ends (SEN2 CeaseDate, not the date of the decision)."""

    kind: Literal["cease_plan"] = "cease_plan"
    on: date
    by: Actor


class TellFamilyOfTransferIn(BaseModel):
    """R9: the family told whether this council will reassess the plan transferred in."""

    kind: Literal["tell_family_of_transfer_in"] = "tell_family_of_transfer_in"
    reassess: bool
    on: date
    by: Actor


class TransferPlanOut(BaseModel):
    """The child moved to another council in England: the plan goes with them (SEN2 reason 5)."""

    kind: Literal["transfer_plan_out"] = "transfer_plan_out"
    on: date
    by: Actor


PlanCommand = Annotated[
    ScheduleReviewMeeting
    | CirculateReviewAdvice
    | HoldReviewMeeting
    | ReceiveReviewReport
    | DecideReview
    | SendAmendmentNotice
    | RecordAmendmentResponse
    | NameSetting
    | IssueAmendedPlan
    | DecideToCease
    | RecordCeaseAppeal
    | RecordCeaseAppealOutcome
    | CeasePlan
    | TellFamilyOfTransferIn
    | TransferPlanOut,
    Field(discriminator="kind"),
]
