"""Who hears of a deadline, and when: the escalation rules, pure.

Each deadline kind (T1, T2 and each advice kind, T3, T6, the week-14
milestone) has reminders at chosen days before it, a breach alert at it and
re-escalations at chosen days after it, each to roles (the team that must
act, its manager, the head of service...). The roles are resolved to people
elsewhere (``notifications/directory.py``); here is only the rule.

The workflows schedule alarms from an ``AlarmTiming`` keyed by duty, so T2
fires the union of every advice kind's offsets; ``step_for`` then keeps an
alarm only for the kinds whose own offsets include it.
"""

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.alarms import Alarm, AlarmLevel, AlarmTiming
from domain.case import AdviceKind
from domain.plan_alarms import PlanAlarmTiming
from domain.plan_calendar import PlanDuty
from domain.statutory_calendar import Duty


class Audience(StrEnum):
    """Who an alert goes to, resolved through the directory when it is sent (not a user's role)."""

    HOLDER_TEAM = "holder_team"  # the team that must act (the provider team for advice)
    HOLDER_MANAGER = "holder_manager"
    CASE_TEAM = "case_team"  # the case officers' team
    CASE_OFFICER = "case_officer"  # the case's named officer if the directory lists them, else case_team
    CASE_MANAGER = "case_manager"
    HEAD_OF_SERVICE = "head_of_service"
    FAMILY = "family"  # the parent or young person (exception notices only)


class Channel(StrEnum):
    EMAIL = "email"  # SMTP
    NOTIFY = "notify"  # GOV.UK Notify (email)
    WEBHOOK = "webhook"  # the recipients' team channel


class PolicyModel(BaseModel):
    """A section of the escalation policy file: an unknown key is refused, nothing changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(PolicyModel):
    """One alert: to whom, through which channels."""

    to: list[Audience] = Field(min_length=1)
    channels: list[Channel] = Field(default_factory=lambda: [Channel.EMAIL, Channel.WEBHOOK], min_length=1)


class Reminder(Step):
    before_days: int = Field(ge=1, le=140)


class Escalation(Step):
    after_days: int = Field(ge=1, le=365)


def _unique_offsets(values: list[int], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"each {what} may appear once, got {sorted(values)}")


class DeadlinePolicy(PolicyModel):
    """The alerts of one deadline kind."""

    remind: list[Reminder] = Field(default_factory=list)
    breach: Step
    escalate: list[Escalation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _offsets_once(self) -> Self:
        _unique_offsets([r.before_days for r in self.remind], "before_days")
        _unique_offsets([e.after_days for e in self.escalate], "after_days")
        return self


class EscalationRules(PolicyModel):
    """The deadline kinds with alerts. T4 has none: it is the family's window."""

    T1: DeadlinePolicy
    T2: DeadlinePolicy
    T2_by_kind: dict[AdviceKind, DeadlinePolicy] = Field(default_factory=dict)  # replaces T2 for a kind
    T3: DeadlinePolicy
    T6: DeadlinePolicy
    M14: DeadlinePolicy
    # a plan in force (plan-lifecycle.md); a policy written before plans were kept has none, and a plan's
    # deadline without one raises no alert (R2-R4 are the setting's: the LA only warns, R6 is the family's)
    R1: DeadlinePolicy | None = None
    R5: DeadlinePolicy | None = None
    R7: DeadlinePolicy | None = None
    R8: DeadlinePolicy | None = None
    R9: DeadlinePolicy | None = None
    R10: DeadlinePolicy | None = None

    @field_validator("M14")
    @classmethod
    def _milestone_does_not_escalate(cls, v: DeadlinePolicy) -> DeadlinePolicy:
        if v.escalate:
            raise ValueError("M14 is a planning milestone: it warns once when missed and never escalates")
        return v

    @field_validator("T2_by_kind")
    @classmethod
    def _kinds_with_a_clock(cls, v: dict[AdviceKind, DeadlinePolicy]) -> dict[AdviceKind, DeadlinePolicy]:
        if AdviceKind.PARENT in v:
            raise ValueError("PARENT: the family's own views have no 6-week clock, so no alerts")
        return v

    def for_deadline(self, duty: Duty | PlanDuty, advice_kind: AdviceKind | None = None) -> DeadlinePolicy:
        if duty is Duty.T2 and advice_kind in self.T2_by_kind:
            return self.T2_by_kind[advice_kind]
        policy = getattr(self, str(duty), None)
        if not isinstance(policy, DeadlinePolicy):
            raise KeyError(f"no escalation policy for {duty}")
        return policy

    def _t2_policies(self) -> list[DeadlinePolicy]:
        return [self.T2, *self.T2_by_kind.values()]

    def timing(self) -> AlarmTiming:
        """The alarm schedule the workflows run (T2: every advice kind's offsets together)."""
        remind: dict[Duty, list[int]] = {}
        escalate: dict[Duty, list[int]] = {}
        for duty in (Duty.T1, Duty.T2, Duty.T3, Duty.T6, Duty.M14):
            policies = self._t2_policies() if duty is Duty.T2 else [self.for_deadline(duty)]
            remind[duty] = sorted({r.before_days for p in policies for r in p.remind}, reverse=True)
            escalate[duty] = sorted({e.after_days for p in policies for e in p.escalate})
        return AlarmTiming(remind_before=remind, escalate_after=escalate)

    def plan_timing(self) -> PlanAlarmTiming:
        """The alarm schedule of the plans in force: a plan deadline without a policy has no alarms."""
        remind: dict[PlanDuty, list[int]] = {}
        escalate: dict[PlanDuty, list[int]] = {}
        for duty in PlanDuty:
            policy = getattr(self, str(duty), None)
            if isinstance(policy, DeadlinePolicy):
                remind[duty] = sorted({r.before_days for r in policy.remind}, reverse=True)
                escalate[duty] = sorted({e.after_days for e in policy.escalate})
        return PlanAlarmTiming(remind_before=remind, escalate_after=escalate)

    def step_for(self, alarm: Alarm) -> Step | None:
        """The alert an alarm produces, or None when its deadline kind has none at that offset.

        An offset no policy names (the case started under an earlier policy) takes
        the nearest one, so a policy change never silences a running case; an
        offset that only another advice kind names is not this kind's alarm.
        """
        if isinstance(alarm.duty, PlanDuty) and getattr(self, str(alarm.duty), None) is None:
            return None  # a plan's deadline this policy names no alerts for
        policy = self.for_deadline(alarm.duty, advice_kind_of(alarm))
        t2 = self._t2_policies() if alarm.duty is Duty.T2 else []
        match alarm.level:
            case AlarmLevel.BREACH | AlarmLevel.MILESTONE_MISSED:
                return policy.breach
            case AlarmLevel.REMINDER:
                own: dict[int, Step] = {r.before_days: r for r in policy.remind}
                named = {r.before_days for p in t2 for r in p.remind}
            case AlarmLevel.ESCALATION:
                own = {e.after_days: e for e in policy.escalate}
                named = {e.after_days for p in t2 for e in p.escalate}
        return _pick(own, named, alarm.offset_days)


def _pick(own: dict[int, Step], named_elsewhere: set[int], days: int) -> Step | None:
    if days in own:
        return own[days]
    if days in named_elsewhere or not own:
        return None
    return own[min(own, key=lambda d: abs(d - days))]


def advice_kind_of(alarm: Alarm) -> AdviceKind | None:
    """The advice kind of a T2 alarm, from its subject (the advice id, e.g. ``HEALTH-1``)."""
    if alarm.duty is not Duty.T2 or not alarm.subject:
        return None
    try:
        return AdviceKind(alarm.subject.rsplit("-", 1)[0])
    except ValueError:
        return None
