"""Hand-built cohorts for KPI tests, written through the product's own write path.

Each case is started with ``start_case`` and moved on with ``apply`` (so it
can only reach states the rules allow); every step is recorded with
``record_case_event``, and breaches with ``record_breach``, exactly as the
activities do. Days are counted from day 0, as the statute counts them.
"""

from datetime import UTC, date, datetime, timedelta

from domain.alarms import Alarm, AlarmLevel
from domain.assessment import apply, start_case
from domain.case import AdviceKind, Case, RequestSource
from domain.commands import (
    Actor,
    CaseCommand,
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
    TransferOut,
    Withdraw,
)
from domain.events import AlarmEvent, CaseEvent
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode
from ehcna.store.records import record_breach, record_case_event

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER)
FAR_TODAY = date(2100, 1, 1)  # back-dated steps are never "in the future"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PROVIDER_TEAMS = {
    AdviceKind.PARENT: "family",
    AdviceKind.EDUCATION: "school-a",
    AdviceKind.HEALTH: "icb-health",
    AdviceKind.EP: "ep-service",
    AdviceKind.SOCIAL_CARE: "social-care",
}
BODIES = (AdviceKind.EDUCATION, AdviceKind.HEALTH, AdviceKind.EP, AdviceKind.SOCIAL_CARE)


class CaseBuilder:
    """One case, step by step; ``save`` records every step as the workflow's activity would."""

    def __init__(
        self,
        ref: str,
        day0: date,
        team: str = "north",
        source: RequestSource = RequestSource.PARENT,
    ) -> None:
        self.day0 = day0
        start = StartAssessment(ref=ref, day0=day0, request_source=source, team=team, year_group=5)
        self.case: Case = start_case(start, FAR_TODAY)
        self.events: list[CaseEvent] = []
        self.events.append(self._event("start"))

    def day(self, n: int) -> date:
        return self.day0 + timedelta(days=n)

    def _event(self, action: str) -> CaseEvent:
        return CaseEvent(
            workflow_id=f"ehcna-{self.case.ref}",
            seq=len(self.events) + 1,
            action=action,
            at=AT,
            by=OFFICER,
            detail={},
            case=self.case,
        )

    def do(self, cmd: CaseCommand) -> "CaseBuilder":
        self.case = apply(self.case, cmd, FAR_TODAY)
        self.events.append(self._event(cmd.kind))
        return self

    # -- steps, each on a day counted from day 0
    def assess(self, day: int, yes: bool = True) -> "CaseBuilder":
        return self.do(DecideToAssess(yes=yes, on=self.day(day), appeal_information_given=True, by=OFFICER))

    def request_advice(self, day: int, kinds=(AdviceKind.PARENT, *BODIES)) -> "CaseBuilder":
        for kind in kinds:
            self.do(
                RequestAdvice(
                    advice_kind=kind,
                    provider_team=PROVIDER_TEAMS[kind],
                    requested_on=self.day(day),
                    by=OFFICER,
                )
            )
        return self

    def existing_advice(self, kind: AdviceKind, day: int, existing_day: int) -> "CaseBuilder":
        cmd = RequestAdvice(
            advice_kind=kind,
            provider_team=PROVIDER_TEAMS[kind],
            requested_on=self.day(day),
            existing_advice_date=self.day(existing_day),
            by=OFFICER,
        )
        return self.do(cmd)

    def return_advice(self, kind: AdviceKind, on: date) -> "CaseBuilder":
        return self.do(SubmitAdvice(advice_id=f"{kind}-1", returned_on=on, document_ref="doc", by=OFFICER))

    def return_all_advice(self, day: int) -> "CaseBuilder":
        for advice in self.case.advice:
            if advice.is_open:
                self.return_advice(advice.kind, self.day(day))
        return self

    def advice_not_received(self, kind: AdviceKind, on: date) -> "CaseBuilder":
        return self.do(RecordAdviceNotReceived(advice_id=f"{kind}-1", on=on, by=OFFICER))

    def advice_exception(self, kind: AdviceKind, code: ExceptionCode, on: date) -> "CaseBuilder":
        """A reg 8(2) exception (A-PERS or A-APPT) dated ``on``, inside the advice period."""
        extra = (
            {"appointment_on": on} if code is ExceptionCode.A_APPT else {"description": "ill", "start": on}
        )
        return self.do(RecordException(code=code, on=on, advice_id=f"{kind}-1", by=OFFICER, **extra))

    def week20_exception(self, day: int) -> "CaseBuilder":
        """E-PERS: exceptional personal circumstances (SEN2 Week20 = 1)."""
        return self.do(
            RecordException(
                code=ExceptionCode.E_PERS,
                on=self.day(day),
                description="bereavement",
                start=self.day(day),
                by=OFFICER,
            )
        )

    def decide_to_issue(self, day: int, yes: bool = True) -> "CaseBuilder":
        return self.do(DecideToIssue(yes=yes, on=self.day(day), appeal_information_given=True, by=OFFICER))

    def serve_draft(self, day: int) -> "CaseBuilder":
        return self.do(ServeDraft(on=self.day(day), by=OFFICER))

    def issue_plan(self, day: int) -> "CaseBuilder":
        """The family responds to the draft, then the final plan issues on ``day``."""
        self.do(RecordFamilyResponse(on=self.day(day - 5), by=OFFICER))
        return self.do(IssueFinalPlan(on=self.day(day), by=OFFICER))

    def withdraw(self, on: date) -> "CaseBuilder":
        return self.do(Withdraw(on=on, by=OFFICER))

    def transfer_out(self, on: date) -> "CaseBuilder":
        return self.do(TransferOut(on=on, by=OFFICER))

    # -- whole paths
    def assessed_with_advice(self, decision_day: int = 20, returned_day: int = 50) -> "CaseBuilder":
        return self.assess(decision_day).request_advice(decision_day + 1).return_all_advice(returned_day)

    def save(self, db) -> Case:
        for event in self.events:
            with db.sessions.begin() as session:
                record_case_event(session, event)
        return self.case


def plan_issued(
    ref: str, on: date, plan_day: int, exception: bool = False, team: str = "north"
) -> CaseBuilder:
    """A case whose final plan issues on ``on``, ``plan_day`` days after its day 0 (80 or more)."""
    c = CaseBuilder(ref, on - timedelta(days=plan_day), team=team).assessed_with_advice()
    if exception:
        c.week20_exception(30)
    return c.decide_to_issue(plan_day - 30).serve_draft(plan_day - 20).issue_plan(plan_day)


def no_plan(ref: str, on: date, decision_day: int) -> CaseBuilder:
    """An assessment ending with a decision not to issue a plan on ``on`` (day ``decision_day`` >= 51)."""
    c = CaseBuilder(ref, on - timedelta(days=decision_day)).assessed_with_advice()
    return c.decide_to_issue(decision_day, yes=False)


def save_all(db, *builders: CaseBuilder) -> None:
    for b in builders:
        b.save(db)


def breach(
    db,
    case_ref: str,
    duty: Duty,
    raised_at: datetime,
    holder: str,
    team: str = "north",
    advice: str | None = None,
) -> None:
    """A breach as the alarm activity records it (advice: the advice id, e.g. HEALTH-1)."""
    key = f"{duty}:{advice}" if advice else str(duty)
    alarm = Alarm(
        deadline_key=key,
        duty=duty,
        subject=advice,
        level=AlarmLevel.BREACH,
        offset_days=0,
        at=raised_at,
        due=(raised_at.date() - timedelta(days=1)).isoformat(),
    )
    event = AlarmEvent(
        workflow_id=f"ehcna-{case_ref}",
        case_ref=case_ref,
        team=team,
        holder=holder,
        alarm=alarm,
        raised_at=raised_at,
    )
    with db.sessions.begin() as session:
        record_breach(session, event)


def overview_cohort(db) -> None:
    """Three periods to compare: October 2026, September 2026 and October 2025.

    K1: October 2026 A (day 140, in time), B (141, late), C (100, in time) -> 2/3 = 66.7%;
        September 2026 P (in time), Q (late) -> 1/2 = 50.0% (E is excepted);
        October 2025 Y1 in time, Y2-Y4 late -> 1/4 = 25.0%.
    K2: October 2/3 = 66.7%; September P, E in time of P, Q, E -> 2/3 = 66.7% (no change).
    K9: open past day 140 on 2026-10-31: OLD (day 0 2026-05-01), MID (2026-06-01) -> 2;
        on 2026-09-30: OLD only -> 1; on 2025-10-31: none -> 0.
    """
    save_all(
        db,
        plan_issued("A", date(2026, 10, 14), 140),
        plan_issued("B", date(2026, 10, 14), 141),
        plan_issued("C", date(2026, 10, 2), 100),
        plan_issued("P", date(2026, 9, 10), 100),
        plan_issued("Q", date(2026, 9, 11), 150),
        plan_issued("E", date(2026, 9, 12), 90, exception=True),
        plan_issued("Y1", date(2025, 10, 1), 100),
        plan_issued("Y2", date(2025, 10, 2), 150),
        plan_issued("Y3", date(2025, 10, 3), 160),
        plan_issued("Y4", date(2025, 10, 4), 170),
        CaseBuilder("OLD", date(2026, 5, 1)),
        CaseBuilder("MID", date(2026, 6, 1)),
        CaseBuilder("NEW", date(2026, 6, 15)),
    )
