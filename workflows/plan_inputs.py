"""What a plan's workflow takes as input: its start, or (continued as new) the plan as it stood.

Kept apart from the workflow module and imported through the sandbox, as ``workflows.inputs`` is.
"""

from pydantic import BaseModel, model_validator

from domain.plan import Plan
from domain.plan_alarms import PlanAlarmTiming
from domain.plan_commands import StartPlan


class PlanInput(BaseModel):
    start: StartPlan | None = None  # the first run
    plan: Plan | None = None  # a run continued as new at a completed review
    timing: PlanAlarmTiming = PlanAlarmTiming()
    seq: int = 0  # the last event recorded, so event keys go on counting across runs
    fired: list[str] = []  # alarms already sent (their keys carry the deadline's date)

    @model_validator(mode="after")
    def _one_of(self) -> "PlanInput":
        if (self.start is None) == (self.plan is None):
            raise ValueError("a plan's workflow starts from a StartPlan or continues from a Plan")
        return self
