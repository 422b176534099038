"""The engine's dates and codes as a person reads them: "1 November 2026", "Final plan within 20 weeks".

Refusals, pages and alert mails say dates and deadlines in words; the codes
(``T6``, ``E-SCH``, ``SOCIAL_CARE-1``) stay in exports and the API. The
tables are keyed by the codes' values, so this module needs nothing of the
domain but the calendar and can be used by every rule without a cycle.
A code missing from a table is said as it is rather than failing.
"""

from datetime import date

from domain.statutory_calendar import Duty


def day_in_words(day: date) -> str:
    """GOV.UK style: 1 November 2026."""
    return f"{day.day} {day:%B %Y}"


def period_in_words(start: date, end: date) -> str:
    """1 November 2026 to 5 December 2026."""
    return f"{day_in_words(start)} to {day_in_words(end)}"


# The advice of reg 6(1), named by what it is (AdviceKind values).
ADVICE_IN_WORDS: dict[str, str] = {
    "PARENT": "Parent or young person's views",
    "EDUCATION": "Educational advice",
    "HEALTH": "Medical advice",
    "EP": "Psychological advice",
    "SOCIAL_CARE": "Social care advice",
    "PFA": "Preparing for adulthood advice",
    "OTHER": "Other advice",
}

# A deadline as a person says it (Duty values).
DEADLINE_IN_WORDS: dict[str, str] = {
    Duty.T1: "Decision whether to assess within 6 weeks",
    Duty.T2: "Advice within 6 weeks",
    Duty.T3: "Notice that no plan will be issued within 16 weeks",
    Duty.T4: "Family's comments on the draft plan within 15 days",
    Duty.T6: "Final plan within 20 weeks",
    Duty.M14: "Draft plan by week 14",
}

# A plan's deadline as a person says it (domain.plan_calendar.PlanDuty values).
PLAN_DEADLINE_IN_WORDS: dict[str, str] = {
    "R1": "Annual review within 12 months",
    "R2": "Invitations to the review meeting 2 weeks before it",
    "R3": "Advice circulated 2 weeks before the review meeting",
    "R4": "Report of the review meeting within 2 weeks",
    "R5": "Review decision within 4 weeks of the meeting",
    "R6": "Family's comments on the proposed amendments within 15 days",
    "R7": "Amended plan within 8 weeks of the amendment notice",
    "R8": "Phase transfer: plan amended naming the new setting",
    "R9": "Family told within 6 weeks whether a plan transferred in will be reassessed",
    "R10": "Review of a plan transferred in",
    "R11": "Decision to cease notified with the right of appeal",
}

# The exceptions to the time limits (ExceptionCode values), without their codes.
EXCEPTION_IN_WORDS: dict[str, str] = {
    "E-SCH": "School or college closed for 4 weeks or more",
    "E-EY": "Early years setting closed for 4 weeks or more",
    "E-PERS": "Exceptional personal circumstances",
    "E-ABS": "Absent from the area for 4 weeks or more",
    "A-PERS": "Exceptional circumstances in the 6 weeks for advice",
    "A-ABS": "Absent from the area for 4 weeks or more in the 6 weeks for advice",
    "A-APPT": "Missed an appointment for an examination or test",
}

# Where a case is (Stage values), as the end of "while the case is ...".
STAGE_IN_WORDS: dict[str, str] = {
    "request": "awaiting the decision whether to assess",
    "advice": "being assessed (advice sought)",
    "drafting": "having its draft plan written",
    "draft_served": "with the family as a draft plan",
    "closed": "closed",
}

# How a case ended (Outcome values).
OUTCOME_IN_WORDS: dict[str, str] = {
    "NOT_ASSESSED": "decided not to assess",
    "PLAN_NOT_ISSUED": "decided not to issue a plan",
    "PLAN_ISSUED": "final EHC plan issued",
    "WITHDRAWN": "request withdrawn",
    "TRANSFERRED_OUT": "moved out of the area",
}

# Why a request for advice is no longer awaited (AdviceStatus values).
ADVICE_STATUS_IN_WORDS: dict[str, str] = {
    "REQUESTED": "requested",
    "RECEIVED": "received",
    "NOT_RECEIVED": "recorded as not received",
    "EXISTING_USED": "existing advice used",
    "CANCELLED": "cancelled when the case ended",
    "WITHDRAWN": "withdrawn as sent in error",
}


def advice_in_words(advice: str) -> str:
    """A request for advice by what it is: ``SOCIAL_CARE-1`` is "Social care advice", a second one
    "Social care advice (request 2)"; a bare kind (``EP``) is named alone."""
    kind, dash, number = advice.rpartition("-")
    if not dash or not number.isdigit():
        kind, number = advice, "1"
    name = ADVICE_IN_WORDS.get(kind, advice)
    return name if number == "1" else f"{name} (request {number})"


def deadline_in_words(duty: str, advice: str | None = None) -> str:
    """A deadline in words; advice named by what it is ("Social care advice within 6 weeks").

    ``advice`` is a request's id (``SOCIAL_CARE-2``) or its kind (``SOCIAL_CARE``)."""
    if duty == Duty.T2 and advice:
        return f"{advice_in_words(advice)} within 6 weeks"
    return DEADLINE_IN_WORDS.get(duty) or PLAN_DEADLINE_IN_WORDS.get(duty, duty)


def exception_in_words(code: str) -> str:
    return EXCEPTION_IN_WORDS.get(code, code)


def lower_first(text: str) -> str:
    """ "Social care advice" inside a sentence: "social care advice"."""
    return text[:1].lower() + text[1:]
