"""The typed search attributes that list cases in the Temporal UI and CLI."""

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
BREACHED = SearchAttributeKey.for_bool("Breached")
TEAM = SearchAttributeKey.for_keyword("Team")
# a plan in force (workflows/plan.py) also sets Team, Breached and NextDeadline
PLAN_STAGE = SearchAttributeKey.for_keyword("PlanStage")
# the instant its next review becomes overdue (the end of its R1 or R10 day), unset from the meeting held
# to the decision and once it is ceasing: `ReviewDue < '<now>'` lists the plans whose review is overdue (L8)
REVIEW_DUE = SearchAttributeKey.for_datetime("ReviewDue")

ALL = (CASE_STAGE, NEXT_DEADLINE, BREACHED, TEAM, PLAN_STAGE, REVIEW_DUE)


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags that register them on ``temporal server start-dev``."""
    kinds = {
        CASE_STAGE: "Keyword",
        NEXT_DEADLINE: "Datetime",
        BREACHED: "Bool",
        TEAM: "Keyword",
        PLAN_STAGE: "Keyword",
        REVIEW_DUE: "Datetime",
    }
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key]}"]
    return flags
