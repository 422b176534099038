"""What a plan's workflow hands to its record-keeping activity.

The key is derived from the workflow id and the event's number, which the workflow carries across each
continue-as-new, so a retried activity or a replayed workflow writes nothing twice.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from domain.commands import Actor
from domain.plan import Plan


class PlanEvent(BaseModel):
    """One applied action (or the start) with the plan as it stands after it."""

    workflow_id: str
    seq: int  # 1 for the start, then one more per applied action, over the plan's whole life
    action: str  # "start", or the command's kind
    at: datetime  # workflow time the action was applied
    by: Actor
    detail: dict[str, Any]
    plan: Plan

    @property
    def key(self) -> str:
        return f"{self.workflow_id}#{self.seq}"
