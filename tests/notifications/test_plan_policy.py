"""The escalation policy for plans in force: the shipped entries (R1, R5, R7, R8, R9, R10), and a policy
written before plans were kept, which raises no plan alerts rather than failing."""

from datetime import UTC, datetime

from domain.alarms import Alarm, AlarmLevel
from domain.escalation import Audience
from domain.plan_alarms import PlanAlarmTiming
from domain.plan_calendar import PlanDuty
from ehcna.notifications.policy import DEFAULT_POLICY_PATH, load_policy
from tests.notifications.policies import make_policy


def plan_alarm(duty: PlanDuty, level: AlarmLevel, days: int) -> Alarm:
    return Alarm(
        deadline_key=f"{duty}:2027-03-01",
        duty=duty,
        subject=None,
        level=level,
        offset_days=days,
        at=datetime(2027, 1, 1, tzinfo=UTC),
        due="2027-03-01",
    )


def test_the_shipped_policy_times_and_routes_the_plans_deadlines():
    rules = load_policy(DEFAULT_POLICY_PATH).deadlines
    timing = rules.plan_timing()
    assert timing.remind_before[PlanDuty.R1] == [56, 28, 14]
    assert timing.escalate_after[PlanDuty.R7] == [7, 28]
    assert set(timing.remind_before) == {
        PlanDuty.R1,
        PlanDuty.R5,
        PlanDuty.R7,
        PlanDuty.R8,
        PlanDuty.R9,
        PlanDuty.R10,
    }
    breach = rules.step_for(plan_alarm(PlanDuty.R8, AlarmLevel.BREACH, 0))
    assert breach is not None and Audience.HEAD_OF_SERVICE in breach.to
    reminder = rules.step_for(plan_alarm(PlanDuty.R1, AlarmLevel.REMINDER, 56))
    assert reminder is not None and reminder.to == [Audience.CASE_TEAM]


def test_a_policy_without_plan_entries_raises_no_plan_alerts():
    rules = make_policy(smtp_port=2525).deadlines
    assert rules.R1 is None
    assert rules.plan_timing().remind_before == {}
    assert rules.step_for(plan_alarm(PlanDuty.R1, AlarmLevel.BREACH, 0)) is None


def test_a_plan_started_by_a_case_begun_before_plans_were_kept_gets_the_shipped_timing():
    """A case begun before v9 carries no plan timing in its input, so the plan its final plan starts is
    timed by PlanAlarmTiming's defaults: those must be the shipped policy's offsets (a council that
    changes the plan sections of its policy gets its own offsets only on plans started after it)."""
    assert load_policy(DEFAULT_POLICY_PATH).deadlines.plan_timing() == PlanAlarmTiming()
