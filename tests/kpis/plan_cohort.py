"""Hand-built plans in force for the L1-L9 tests, written through the product's own write path.

Each plan is started with ``start_plan`` and moved on with ``annual_review.apply`` (so it can only reach
states the rules allow), and every step is recorded with ``record_plan_event``, as the plan workflow's
activity records it.
"""

from datetime import UTC, date, datetime, timedelta

from domain.annual_review import apply, start_plan
from domain.commands import Actor, Role
from domain.plan import CeaseReason, ReviewOutcome
from domain.plan_commands import (
    CeasePlan,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    NameSetting,
    PlanCommand,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
    TransferPlanOut,
)
from domain.plan_events import PlanEvent
from ehcna.store.plans import record_plan_event

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER)
FAR_TODAY = date(2100, 1, 1)  # back-dated steps are never "in the future"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class PlanBuilder:
    """One plan, step by step; each step is recorded as the workflow's activity records it."""

    def __init__(
        self, db, ref: str, start_on: date, year_group: int = 3, team: str = "north", **start
    ) -> None:
        self.db = db
        self.ref = ref
        self.plan = start_plan(
            StartPlan(ref=ref, team=team, start_on=start_on, year_group=year_group, **start), FAR_TODAY
        )
        self.seq = 1
        self._record("start")

    def _record(self, action: str) -> None:
        event = PlanEvent(
            workflow_id=f"ehcplan-{self.ref}",
            seq=self.seq,
            action=action,
            at=AT,
            by=OFFICER,
            detail={},
            plan=self.plan,
        )
        with self.db.sessions.begin() as session:
            record_plan_event(session, event)

    def do(self, cmd: PlanCommand) -> "PlanBuilder":
        self.plan = apply(self.plan, cmd, FAR_TODAY)
        self.seq += 1
        self._record(cmd.kind)
        return self

    def meeting(self, held_on: date) -> "PlanBuilder":
        """Invitations two weeks ahead, then the meeting held."""
        self.do(ScheduleReviewMeeting(meeting_on=held_on, on=held_on - timedelta(days=14), by=OFFICER))
        return self.do(HoldReviewMeeting(on=held_on, by=OFFICER))

    def review(
        self,
        held_on: date,
        decided_on: date,
        outcome: ReviewOutcome = ReviewOutcome.MAINTAIN,
        cease_reason: CeaseReason | None = None,
    ) -> "PlanBuilder":
        """A review meeting and the decision notified after it (maintain, amend, or cease with a reason)."""
        self.meeting(held_on)
        decision = DecideReview(
            outcome=outcome,
            on=decided_on,
            cease_reason=cease_reason,
            appeal_information_given=cease_reason is not None,
            by=OFFICER,
        )
        return self.do(decision)

    def amend(self, notice_on: date, issued_on: date, setting: str | None = None) -> "PlanBuilder":
        """Proposed amendments, then the amended plan (naming a setting for a phase transfer)."""
        self.do(SendAmendmentNotice(on=notice_on, by=OFFICER))
        if setting is not None:
            self.do(NameSetting(setting=setting, on=notice_on, by=OFFICER))
        return self.do(IssueAmendedPlan(on=issued_on, by=OFFICER))

    def decide_to_cease(
        self, on: date, reason: CeaseReason = CeaseReason.NEEDS_MET_WITHOUT_PLAN
    ) -> "PlanBuilder":
        return self.do(DecideToCease(reason=reason, on=on, appeal_information_given=True, by=OFFICER))

    def cease(
        self, decided_on: date, ceased_on: date, reason: CeaseReason = CeaseReason.NEEDS_MET_WITHOUT_PLAN
    ) -> "PlanBuilder":
        self.decide_to_cease(decided_on, reason)
        return self.do(CeasePlan(on=ceased_on, by=OFFICER))

    def transfer_out(self, on: date) -> "PlanBuilder":
        return self.do(TransferPlanOut(on=on, by=OFFICER))
