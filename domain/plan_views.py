"""What a plan looks like to the people reading it on a given day."""

from datetime import date

from pydantic import BaseModel

from domain.plan import Plan, PlanStatus
from domain.plan_calendar import PlanDuty
from domain.plan_deadlines import (
    PlanDeadline,
    next_plan_deadline,
    open_review_due,
    plan_breached,
    plan_deadlines,
    review_overdue,
    review_warnings,
)


class PlanView(BaseModel):
    plan: Plan
    status: PlanStatus
    as_of: date
    deadlines: list[PlanDeadline]
    next_deadline: PlanDeadline | None
    review_due: date | None  # the open review's R1 (or R10) date; None once ending or ended
    review_due_rule: PlanDuty | None
    review_overdue: bool  # L8
    breached: bool
    warnings: list[PlanDeadline]  # the setting's steps late or missed (R2-R4)


def plan_view(plan: Plan, as_of: date) -> PlanView:
    rule, due = open_review_due(plan) if plan.in_force and plan.cease is None else (None, None)
    return PlanView(
        plan=plan,
        status=plan.status,
        as_of=as_of,
        deadlines=plan_deadlines(plan, as_of),
        next_deadline=next_plan_deadline(plan, as_of),
        review_due=due,
        review_due_rule=rule,
        review_overdue=review_overdue(plan, as_of),
        breached=plan_breached(plan, as_of),
        warnings=review_warnings(plan, as_of),
    )
