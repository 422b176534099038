"""What a plan's workflow takes as input: its start, or (continued as new) the plan as it stood.

Kept apart from the workflow module and imported through the sandbox, as ``workflows.inputs`` is.
"""

from pydantic import BaseModel, model_validator

from domain.plan import Plan
from domain.plan_alarms import PlanAlarmTiming
from domain.plan_commands import PlanCommand, StartPlan


class PlanInput(BaseModel):
    start: StartPlan | None = None  # the first run
    plan: Plan | None = None  # a run continued as new at a completed review
    timing: PlanAlarmTiming = PlanAlarmTiming()
    seq: int = 0  # the last event recorded, so event keys go on counting across runs
    fired: list[str] = []  # alarms already sent (their keys carry the deadline's date)
    # steps taken before the plan came to this engine (an imported plan's completed reviews, its open
    # review and amendment): applied at once with the start, before any alarm is computed, each
    # recorded as the step it was; only with ``start``
    prior_actions: list[PlanCommand] = []

    @model_validator(mode="after")
    def _one_of(self) -> "PlanInput":
        if (self.start is None) == (self.plan is None):
            raise ValueError("a plan's workflow starts from a StartPlan or continues from a Plan")
        if self.prior_actions and self.start is None:
            raise ValueError("prior actions come with a plan's start, never with a run continued as new")
        return self
