"""What the pages call the engine's codes: a person reads "Social care advice", never ``SOCIAL_CARE``.

Every code a page shows (advice kinds, stages, outcomes, statuses, deadlines,
channels, roles) is named here once; the templates have these as globals.
A code missing from a table is shown as it is rather than failing the page.
"""

from domain.case import AdviceKind, AdviceStatus, Outcome, RequestSource, Stage
from domain.commands import Role
from domain.escalation import Channel
from domain.statutory_calendar import DUTY_TITLES, Duty
from domain.statutory_exceptions import ExceptionCode
from domain.words import ADVICE_IN_WORDS, DEADLINE_IN_WORDS, EXCEPTION_IN_WORDS, advice_in_words

SOURCE_NAMES: dict[str, str] = {
    RequestSource.PARENT: "Parent",
    RequestSource.YOUNG_PERSON: "Young person",
    RequestSource.SCHOOL: "School or college",
    RequestSource.HEALTH: "Health service",
    RequestSource.OTHER: "Someone else",
    RequestSource.UNKNOWN: "Not recorded (imported history)",
}
# Advice, exceptions and deadlines are named once, in domain/words.py, for refusals, pages and mails alike.
ADVICE_NAMES: dict[str, str] = {kind: ADVICE_IN_WORDS[kind] for kind in AdviceKind}
EXCEPTION_NAMES: dict[str, str] = {code: EXCEPTION_IN_WORDS[code] for code in ExceptionCode}
# Open stages as the K8 tables name them (the short tags of a case's stage are in rendering).
STAGE_NAMES: dict[str, str] = {
    Stage.REQUEST: "Awaiting the decision to assess",
    Stage.ADVICE: "Assessing: advice",
    Stage.DRAFTING: "Drafting the plan",
    Stage.DRAFT_SERVED: "Draft plan with the family",
    Stage.CLOSED: "Closed",
}
OUTCOME_NAMES: dict[str, str] = {
    Outcome.NOT_ASSESSED: "Decided not to assess",
    Outcome.PLAN_NOT_ISSUED: "Decided not to issue a plan",
    Outcome.PLAN_ISSUED: "Final EHC plan issued",
    Outcome.WITHDRAWN: "Request withdrawn",
    Outcome.TRANSFERRED_OUT: "Moved out of the area",
}
ADVICE_STATUS_NAMES: dict[str, str] = {
    AdviceStatus.REQUESTED: "Requested",
    AdviceStatus.RECEIVED: "Received",
    AdviceStatus.NOT_RECEIVED: "Not received",
    AdviceStatus.EXISTING_USED: "Existing advice used",
    AdviceStatus.CANCELLED: "Cancelled: the case ended",
    AdviceStatus.WITHDRAWN: "Withdrawn: sent in error",
}
CHANNEL_NAMES: dict[str, str] = {
    Channel.EMAIL: "email",
    Channel.NOTIFY: "GOV.UK Notify",
    Channel.WEBHOOK: "team channel",
}
ROLE_NAMES: dict[str, str] = {
    Role.CASE_OFFICER: "case officer",
    Role.PROVIDER: "advice provider",
    Role.MANAGER: "manager",
    Role.ADMIN: "administrator",
    Role.SYSTEM: "the engine",
}

# A case's history: the action each step recorded ("start", or the command's kind).
STEP_NAMES: dict[str, str] = {
    "start": "Assessment started",
    "decide_to_assess": "Decision whether to assess recorded",
    "request_advice": "Advice requested",
    "submit_advice": "Advice submitted",
    "advice_not_received": "Advice recorded as not received",
    "record_exception": "Exception recorded",
    "decide_to_issue": "Decision whether to issue a plan recorded",
    "serve_draft": "Draft plan served",
    "family_response": "Family's response recorded",
    "issue_final_plan": "Final EHC plan issued",
    "withdraw": "Request withdrawn",
    "transfer_out": "Moved out of the area",
    "reassign_team": "Moved to another team",
    "advice_request_received": "Date the request for advice was received recorded",
    "withdraw_advice_request": "Request for advice withdrawn",
    "resend_advice_request": "Request for advice sent to another team",
}


def advice_request(advice_id: str) -> str:
    """One request for advice by what it is: ``SOCIAL_CARE-2`` is "Social care advice (request 2)"."""
    return advice_in_words(advice_id)


def advice_step(kind: str) -> str:
    """The T2 deadline of one advice request, named by what the advice is."""
    return f"{ADVICE_NAMES.get(kind, kind)} provided (reg 8(1))"


def deadline_name(label: str) -> str:
    """A deadline as the breach records label it, ``T1`` or ``T2 EDUCATION``, in words."""
    duty, _, kind = label.partition(" ")
    if duty == Duty.T2 and kind:
        return advice_step(kind)
    return DUTY_TITLES.get(Duty(duty), label) if duty in Duty.__members__.values() else label


# A deadline as a manager says it when it is late: "Final plan within 20 weeks: 12 days late".
DEADLINE_WORDS: dict[str, str] = DEADLINE_IN_WORDS


def deadline_words(duty: str, advice_kind: str | None = None) -> str:
    """A deadline in words; for advice, named by what the advice is ("Social care advice within 6 weeks")."""
    if duty == Duty.T2 and advice_kind:
        return f"{ADVICE_NAMES.get(advice_kind, 'Advice')} within 6 weeks"
    return DEADLINE_WORDS.get(duty, "Statutory deadline")


APPEAL_NAMES: dict[str, dict[str, str]] = {
    "route": {"MEDIATION": "Mediation", "TRIBUNAL": "Tribunal appeal"},
    "disputes": {
        "REQUEST": "Decision not to assess",
        "ASSESSMENT": "Decision not to issue a plan",
        "PLAN": "What the plan says",
    },
    "outcome": {
        "AGREED": "Agreement reached",
        "NOT_AGREED": "No agreement",
        "UPHELD": "Appeal upheld",
        "DISMISSED": "Appeal dismissed",
        "CONCEDED": "The council conceded",
        "WITHDRAWN": "Withdrawn by the family",
    },
}
