"""Plans in force written to the store as their workflow's first event writes them (no workflow: the
lists of reviews read the store only)."""

from datetime import date, timedelta

from domain.annual_review import start_plan
from domain.clock import start_of_day
from domain.commands import SYSTEM
from domain.plan_commands import StartPlan
from domain.plan_events import PlanEvent
from ehcna.store.plans import record_plan_event


def store_plan(
    db, ref: str, days_ago: int, today: date, team: str = "north", setting_team: str | None = "oak-school"
) -> None:
    """A plan started ``days_ago`` days before ``today``: its review is due 12 months after."""
    cmd = StartPlan(
        ref=ref,
        team=team,
        setting_team=setting_team,
        start_on=today - timedelta(days=days_ago),
        year_group=3,
        by=SYSTEM,
    )
    plan = start_plan(cmd, today)
    event = PlanEvent(
        workflow_id=f"ehcplan-{ref}",
        seq=1,
        action="start",
        at=start_of_day(today),
        by=SYSTEM,
        detail={},
        plan=plan,
    )
    with db.sessions.begin() as s:
        record_plan_event(s, event)
