"""What the workflows take as input and send each other.

Kept apart from the workflow modules and imported through the sandbox: the SDK's
default sandbox runs a workflow's module afresh for every workflow it creates, and
building these pydantic classes each time was a large part of starting a case. (The
worker's sandbox now passes the whole ``workflows`` package through, ehcna.bootstrap
``workflow_runner``; the strict replay of the recorded histories still uses the default.)
"""

from pydantic import BaseModel

from domain.alarms import AlarmTiming
from domain.case import AdviceRequest
from domain.commands import CaseCommand, StartAssessment
from domain.plan_alarms import PlanAlarmTiming


class AssessmentInput(BaseModel):
    start: StartAssessment
    timing: AlarmTiming = AlarmTiming()
    # steps already taken before the case came to this engine (a migrated case):
    # applied at once, before any alarm is computed, so history raises no false alarms
    prior_actions: list[CaseCommand] = []
    # v9: the alarm offsets of the plan in force its final plan starts (the policy's, as ``timing``)
    plan_timing: PlanAlarmTiming = PlanAlarmTiming()


class AdviceInput(BaseModel):
    case_workflow_id: str
    case_ref: str
    team: str
    advice: AdviceRequest
    excepted: bool = False
    timing: AlarmTiming = AlarmTiming()


class AdviceUpdate(BaseModel):
    advice: AdviceRequest
    excepted: bool
    # the case's team now (a reassignment moves it); None from cases signalled before it was sent
    team: str | None = None
