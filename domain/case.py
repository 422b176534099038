"""The state of one EHC needs assessment, as the statute describes it."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.statutory_calendar import advice_due
from domain.statutory_exceptions import RecordedException


class RequestSource(StrEnum):
    """Who asked for the assessment (SEN2 ``RequestSource``)."""

    PARENT = "PARENT"
    YOUNG_PERSON = "YOUNG_PERSON"
    SCHOOL = "SCHOOL"
    HEALTH = "HEALTH"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"  # imported history whose record does not say; a new request always says


class AdviceKind(StrEnum):
    """The advice of reg 6(1)."""

    PARENT = "PARENT"
    EDUCATION = "EDUCATION"
    HEALTH = "HEALTH"
    EP = "EP"
    SOCIAL_CARE = "SOCIAL_CARE"
    PFA = "PFA"
    OTHER = "OTHER"


# Advice from bodies, each sought from its own provider with a 6-week clock
# (reg 8(1) binds the bodies asked; the family's own views have no clock).
ALWAYS_SOUGHT: tuple[AdviceKind, ...] = (
    AdviceKind.EDUCATION,
    AdviceKind.HEALTH,
    AdviceKind.EP,
    AdviceKind.SOCIAL_CARE,
)
PFA_FROM_YEAR = 9


class AdviceStatus(StrEnum):
    REQUESTED = "REQUESTED"
    RECEIVED = "RECEIVED"
    NOT_RECEIVED = "NOT_RECEIVED"
    EXISTING_USED = "EXISTING_USED"  # reg 6(4): no new advice, no clock
    CANCELLED = "CANCELLED"  # the case ended while it was awaited
    WITHDRAWN = "WITHDRAWN"  # sent in error, withdrawn before it was answered: no clock, not in K5


class Stage(StrEnum):
    """Where a case is; the ``CaseStage`` search attribute."""

    REQUEST = "request"  # awaiting the decision whether to assess
    ADVICE = "advice"  # assessing: advice sought, awaiting the decision to issue
    DRAFTING = "drafting"  # decided to issue, draft plan being written
    DRAFT_SERVED = "draft_served"  # the family's window and consultation
    CLOSED = "closed"


class Outcome(StrEnum):
    NOT_ASSESSED = "NOT_ASSESSED"
    PLAN_NOT_ISSUED = "PLAN_NOT_ISSUED"
    PLAN_ISSUED = "PLAN_ISSUED"
    WITHDRAWN = "WITHDRAWN"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"


class AdviceRequest(BaseModel):
    id: str
    kind: AdviceKind
    provider_team: str
    requested_on: date
    received_on: date | None = None  # the day the body received the request (T2 start), when recorded
    status: AdviceStatus = AdviceStatus.REQUESTED
    returned_on: date | None = None
    existing_advice_date: date | None = None
    document_ref: str | None = None
    summary: str | None = None
    not_received_on: date | None = None
    withdrawn_on: date | None = None

    @property
    def has_clock(self) -> bool:
        return (
            self.kind is not AdviceKind.PARENT
            and self.existing_advice_date is None
            and self.status is not AdviceStatus.WITHDRAWN
        )

    @property
    def clock_starts_on(self) -> date:
        """ENGINE RULE (T2 start): the day the body received the request, else the day it was sent."""
        return self.received_on or self.requested_on

    @property
    def due_on(self) -> date | None:
        """The last day of its 6 weeks (reg 8(1)), or None for advice without a clock."""
        return advice_due(self.clock_starts_on) if self.has_clock else None

    @property
    def is_open(self) -> bool:
        return self.status is AdviceStatus.REQUESTED


class Decision(BaseModel):
    yes: bool
    on: date


class Case(BaseModel):
    """One assessment. Identity is ``ref``; the workflow id is ``ehcna-<ref>``."""

    ref: str
    day0: date
    request_source: RequestSource
    team: str
    year_group: int | None = None
    # CFA s.24: day 0 is the day this council became responsible; the request was first made to
    # another council on ``original_request_on``
    transferred_in: bool = False
    original_request_on: date | None = None
    # a closed case imported from an earlier system: its record is what happened, so it may lack
    # the family's views or have advice returned after the decision (importer only)
    recorded_elsewhere: bool = False
    legacy_week20: bool = False  # SEN2 Week20 = 1 from an earlier system, without its dates
    decision_to_assess: Decision | None = None
    advice: list[AdviceRequest] = Field(default_factory=list)
    exceptions: list[RecordedException] = Field(default_factory=list)
    decision_to_issue: Decision | None = None
    draft_served_on: date | None = None
    family_response_on: date | None = None
    final_plan_issued_on: date | None = None
    outcome: Outcome | None = None
    outcome_on: date | None = None

    @property
    def stage(self) -> Stage:
        if self.outcome is not None:
            return Stage.CLOSED
        if self.decision_to_assess is None:
            return Stage.REQUEST
        if self.decision_to_issue is None:
            return Stage.ADVICE
        if self.draft_served_on is None:
            return Stage.DRAFTING
        return Stage.DRAFT_SERVED

    @property
    def is_closed(self) -> bool:
        return self.outcome is not None

    @property
    def week20_exception(self) -> bool:
        """SEN2 ``Week20``: a reg 13(3) exception to the 20-week limit is recorded."""
        return self.legacy_week20 or any(e.code.applies_to_case for e in self.exceptions)

    def changeable_copy(self) -> "Case":
        """A copy whose changes leave this case as it is: every model the rules change in place (an
        advice request, an exception) is copied, the rest is shared (dates, strings and enums never
        change in place). A generic deep copy cost most of an import's time."""
        new = self.model_copy()
        new.advice = [a.model_copy() for a in self.advice]
        new.exceptions = [e.model_copy() for e in self.exceptions]
        return new

    def advice_by_id(self, advice_id: str) -> AdviceRequest | None:
        return next((a for a in self.advice if a.id == advice_id), None)

    def advice_exceptions(self, advice_id: str) -> list[RecordedException]:
        """The reg 8(2) exceptions of one advice request (a closure exception names
        an advice request only for its date: advice has no closure exception)."""
        return [e for e in self.exceptions if e.advice_id == advice_id and e.code.applies_to_advice]

    def latest_event_date(self) -> date:
        """The latest date recorded on the case; later actions may not precede it."""
        dates = [self.day0]
        for d in (self.decision_to_assess, self.decision_to_issue):
            if d is not None:
                dates.append(d.on)
        for day in (self.draft_served_on, self.family_response_on, self.final_plan_issued_on):
            if day is not None:
                dates.append(day)
        return max(dates)
