"""The plan in force an assessment leaves when it issues its final plan (plan-lifecycle.md, Clock).

The plan starts on the day the final plan was issued (SEN2 ``StartDate``). It carries nothing personal:
the case's reference (its own id space, ``ehcplan-<ref>``), the team, the dates and the year group on
the plan, worked out from the year group the request gave (on day 0) and the Septembers passed since,
never a date of birth.

ENGINE RULE (the setting that convenes the reviews): the team asked for the case's educational advice
(the school or setting the child attended), when there was one; a request withdrawn (sent in error,
perhaps to the wrong school) does not count; a phase transfer names the next.
"""

from domain.case import AdviceKind, Case, Outcome
from domain.commands import SYSTEM, Actor
from domain.phase_transfer import reception_year_of, year_group_on
from domain.plan_commands import StartPlan

# SEN2 counts year groups from -3 (early years) to 14: a plan beyond it cannot be timed by year cohort
LAST_YEAR_GROUP = 14


class NoPlanToStart(Exception):
    """Why an assessment's outcome starts no plan in force (said in the worker's log, without names)."""


def plan_of_case(
    case: Case, *, skip_withdrawn: bool = True, year_group_on_start: int | None = None, by: Actor = SYSTEM
) -> StartPlan:
    """The start of the plan ``case`` issued; ``NoPlanToStart`` when it issued none or cannot be timed.

    ``year_group_on_start``: the year group on the day the final plan was issued, given by the officer
    for a case that has none (its plan could not be started when the case ended). ``skip_withdrawn=False``:
    as plans were started before withdrawn requests were passed over (the recorded histories)."""
    if case.outcome is not Outcome.PLAN_ISSUED or case.final_plan_issued_on is None:
        raise NoPlanToStart(f"case {case.ref} issued no final plan")
    if case.year_group is None and year_group_on_start is None:
        raise NoPlanToStart(
            f"case {case.ref} has no year group: its plan's phase transfers cannot be worked out; "
            "start it from the case page (Start the plan in force) or with "
            "ehcna start-plan --ref ... --year-group N"
        )
    on = case.final_plan_issued_on
    if year_group_on_start is not None:
        year_group = year_group_on_start
    else:
        assert case.year_group is not None
        year_group = year_group_on(reception_year_of(case.year_group, case.day0), on)
    if year_group > LAST_YEAR_GROUP:
        raise NoPlanToStart(f"case {case.ref}: the child is past year {LAST_YEAR_GROUP} on the plan's start")
    education = [
        a
        for a in case.advice
        if a.kind is AdviceKind.EDUCATION and not (skip_withdrawn and a.withdrawn_on is not None)
    ]
    return StartPlan(
        ref=case.ref,
        team=case.team,
        setting_team=education[-1].provider_team if education else None,
        start_on=on,
        year_group=year_group,
        by=by,
    )
