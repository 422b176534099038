"""What the workflows hand to record-keeping and notification activities.

Each carries a key derived from the workflow and the event, so a retried
activity or a replayed workflow produces the same key and writes nothing
twice.
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from domain.alarms import Alarm
from domain.case import AdviceKind, Case
from domain.commands import Actor
from domain.statutory_exceptions import RecordedException


class CaseEvent(BaseModel):
    """One applied action (or the start) with the case as it stands after it."""

    workflow_id: str
    seq: int  # 1 for the start, then one more per applied action
    action: str  # "start", or the command's kind
    at: datetime  # workflow time the action was applied
    by: Actor
    detail: dict[str, Any]
    case: Case

    @property
    def key(self) -> str:
        return f"{self.workflow_id}#{self.seq}"


class AlarmEvent(BaseModel):
    """A reminder, breach or escalation due on a case's deadline."""

    workflow_id: str
    case_ref: str
    team: str  # the case officer's team
    holder: str  # the team that must act (the provider team for advice)
    alarm: Alarm
    raised_at: datetime

    @property
    def key(self) -> str:
        return f"{self.workflow_id}#{self.alarm.key}"


class ExceptionNotice(BaseModel):
    """An exception was recorded: the family is told (Code of Practice)."""

    workflow_id: str
    case_ref: str
    seq: int  # the case event that recorded it
    exception: RecordedException

    @property
    def key(self) -> str:
        return f"{self.workflow_id}#{self.seq}#family-notice"


class AdviceNotice(BaseModel):
    """Advice arrived on a case: its case officer is told (at once or in a digest, as the policy says).

    Only what the mail may carry: no summary, no document reference, nothing of the child.
    """

    workflow_id: str
    case_ref: str
    seq: int  # the case event that recorded the advice
    team: str  # the case officers' team
    advice_id: str
    advice_kind: AdviceKind
    provider_team: str
    returned_on: date
    by: Actor  # who recorded it: not told of their own action

    @property
    def key(self) -> str:
        return f"{self.workflow_id}#{self.seq}#advice-received"
