"""Hand-built plans in force for the L1-L9 tests, written through the product's own write path.

Each plan is started with ``start_plan`` and moved on with ``annual_review.apply`` (so it can only reach
states the rules allow), and every step is recorded with ``record_plan_event``, as the plan workflow's
activity records it.
"""

from datetime import UTC, date, datetime, timedelta

from domain.annual_review import apply, start_plan
from domain.commands import Actor, Role
from domain.plan import CeaseReason, Plan, ReviewOutcome
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
        # the plan as it stood after each step, with the step's date (the start: the day it was taken on)
        self.history: list[tuple[date, Plan]] = [(start.get("transferred_on") or start_on, self.plan)]

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
        self.history.append((cmd.on, self.plan))
        return self

    def as_on(self, day: date) -> Plan | None:
        """The plan as it stood at the end of ``day`` (None before this council took it on)."""
        steps = [plan for on, plan in self.history if on <= day]
        return steps[-1] if steps else None

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


def plan_overview_cohort(db) -> dict[str, PlanBuilder]:
    """Fourteen plans for the monthly overview of October 2026 (E 31 October 2026), against September 2026
    (E 30 September) and October 2025 (E 31 October 2025). A meeting counts for L2 at E when its 12 months
    still run: on or after 31 October 2025, 30 September 2025 and 31 October 2024 respectively.

    ==== ============ ============ ============
         2026-10      2026-09      2025-10
    ==== ============ ============ ============
    L1   12           12           10
    L2   5/9          6/9          3/6
    L3   2            2            2
    L4   1/2          0/1          1/1
    L5   1/2          1/2          2/2
    L6   0/1          0/0          1/1
    L7   1/3 (2026)   1/3 (2026)   0/1 (2025)
    L8   2            1            2
    L9   1 (code 5)   0            1 (code 4)
    ==== ============ ============ ============

    L1: October 2026 all but N7 (ceased 20 October 2025) and N8 (transferred out 8 October 2026);
    September 2026 all but N7 and N9 (starts 1 October 2026); October 2025 all but N7, N9, N10
    (transferred in 2026) and N14 (starts November 2025).
    L2 October 2026: here before 31 October 2025: N1-N6, N11-N13; reviewed since: N1, N3, N5, N6, N11
    (N2's and N13's October meetings await their decisions on E, N12's last meeting is 24 October 2025).
    September 2026: N1-N6, N8, N11, N12; reviewed since 30 September 2025 and decided by E: N1, N2, N5,
    N8, N11, N12 (N3's and N6's September meetings are decided in October). October 2025: N1, N2, N4, N6,
    N8, N12; reviewed since 31 October 2024: N1, N2, N6 (N12 decided in November).
    L3/L5 October 2026: N2 (R1 9 October, met on the 12th: late), N13 (R1 20 October, met on the 19th);
    September 2026: N3 (R1 15 September, met on the 14th), N6 (R1 28 August, met 1 September: late);
    October 2025: N2 (met 9 October, R1 10 October), N12 (met 24 October, R1 25 October).
    L4 October 2026: N3 (14 September + 28 days = 12 October: in time), N6 (1 September + 28 = 29
    September, decided 5 October: late); September 2026: N5 (10 August + 28 = 7 September, decided the
    8th: late); October 2025: N2 (9 October, decided the 30th).
    L6 October 2026: N11 (notice 25 August + 56 days = 20 October, issued the 21st: late); October 2025:
    N12 (notice 1 September + 56 = 27 October, issued 15 October).
    L7 2026: N4 (year 6 to 7, never amended), N5 (finalised 13 February, by 15 February), N14 (year 11 to
    12, finalised 2 April, after 31 March); 2025: N6 (finalised 3 March, after 15 February).
    L8 October 2026: N4 (R1 20 May 2025), N12 (R1 24 October 2026); September 2026: N4; October 2025: N4,
    N8 (never reviewed since its start in 2021).
    L9 October 2026: N8 transferred out (5); October 2025: N7 ceased, paid employment (4).
    """
    b: dict[str, PlanBuilder] = {}
    b["N1"] = (
        PlanBuilder(db, "N1", date(2024, 3, 4))
        .review(date(2025, 2, 20), date(2025, 3, 10))
        .review(date(2026, 2, 16), date(2026, 3, 30))
    )
    b["N2"] = (
        PlanBuilder(db, "N2", date(2024, 10, 10))
        .review(date(2025, 10, 9), date(2025, 10, 30))
        .review(date(2026, 10, 12), date(2026, 11, 9))
    )
    b["N3"] = (
        PlanBuilder(db, "N3", date(2025, 9, 15))
        .review(date(2026, 9, 14), date(2026, 10, 12), ReviewOutcome.AMEND)
        .amend(date(2026, 10, 14), date(2026, 11, 20))
    )
    b["N4"] = PlanBuilder(db, "N4", date(2023, 6, 1)).review(date(2024, 5, 20), date(2024, 6, 5))
    b["N5"] = (
        PlanBuilder(db, "N5", date(2025, 9, 20), year_group=6)
        .amend(date(2026, 1, 12), date(2026, 2, 13), "123456")
        .review(date(2026, 8, 10), date(2026, 9, 8))
    )
    b["N6"] = (
        PlanBuilder(db, "N6", date(2024, 9, 2), year_group=6)
        .amend(date(2025, 1, 20), date(2025, 3, 3), "123456")
        .review(date(2025, 8, 28), date(2025, 9, 10))
        .review(date(2026, 9, 1), date(2026, 10, 5))
    )
    b["N7"] = (
        PlanBuilder(db, "N7", date(2022, 11, 1))
        .review(date(2023, 10, 20), date(2023, 11, 1))
        .review(date(2024, 10, 15), date(2024, 11, 5))
        .cease(date(2025, 9, 25), date(2025, 10, 20), CeaseReason.PAID_EMPLOYMENT)
    )
    b["N8"] = (
        PlanBuilder(db, "N8", date(2021, 5, 1))
        .review(date(2026, 4, 20), date(2026, 5, 1))
        .transfer_out(date(2026, 10, 8))
    )
    b["N9"] = PlanBuilder(db, "N9", date(2026, 10, 1))
    b["N10"] = PlanBuilder(
        db, "N10", date(2022, 2, 1), transferred_on=date(2026, 9, 10), old_last_review_on=date(2026, 1, 15)
    )
    b["N11"] = (
        PlanBuilder(db, "N11", date(2025, 3, 31))
        .review(date(2026, 3, 27), date(2026, 4, 10))
        .amend(date(2026, 8, 25), date(2026, 10, 21))
    )
    b["N12"] = (
        PlanBuilder(db, "N12", date(2024, 10, 25))
        .amend(date(2025, 9, 1), date(2025, 10, 15))
        .review(date(2025, 10, 24), date(2025, 11, 14))
    )
    b["N13"] = PlanBuilder(db, "N13", date(2025, 10, 20)).meeting(date(2026, 10, 19))
    b["N14"] = PlanBuilder(db, "N14", date(2025, 11, 3), year_group=11).amend(
        date(2026, 3, 2), date(2026, 4, 2), "10012345"
    )
    return b
