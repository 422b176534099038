"""Small builders for domain tests: cases taken to a given stage through ``apply``."""

from datetime import date, timedelta

from domain.assessment import apply, start_case
from domain.case import AdviceKind, Case, RequestSource
from domain.commands import (
    Actor,
    DecideToAssess,
    DecideToIssue,
    RequestAdvice,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
)

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER)
MANAGER = Actor(user="manager-1", role=Role.MANAGER)

PROVIDER_TEAMS = {
    AdviceKind.PARENT: "family",
    AdviceKind.EDUCATION: "school-a",
    AdviceKind.HEALTH: "icb-health",
    AdviceKind.EP: "ep-service",
    AdviceKind.SOCIAL_CARE: "social-care",
    AdviceKind.PFA: "pfa-team",
    AdviceKind.OTHER: "salt-team",
}

BODIES = (AdviceKind.EDUCATION, AdviceKind.HEALTH, AdviceKind.EP, AdviceKind.SOCIAL_CARE)
# reg 6(1): the family's views and the four bodies' advice, sought on every case
REQUIRED = (AdviceKind.PARENT, *BODIES)

# A far "today" so that back-dated actions in tests are never in the future.
FAR_TODAY = date(2100, 1, 1)


def provider(kind: AdviceKind, user: str = "provider-1") -> Actor:
    return Actor(user=user, role=Role.PROVIDER, team=PROVIDER_TEAMS[kind])


def d(day0: date, n: int) -> date:
    """Day ``n`` of a case (day 0 + n calendar days)."""
    return day0 + timedelta(days=n)


def new_case(day0: date = date(2024, 1, 8), year_group: int | None = 5, today: date | None = None) -> Case:
    cmd = StartAssessment(
        ref="CASE-1",
        day0=day0,
        request_source=RequestSource.PARENT,
        team="north-team",
        year_group=year_group,
    )
    return start_case(cmd, today or day0)


def assessed(case: Case, on_day: int = 20) -> Case:
    """Decision to assess: yes, on day ``on_day``."""
    return apply(case, DecideToAssess(yes=True, on=d(case.day0, on_day), by=OFFICER), FAR_TODAY)


def request(case: Case, kind: AdviceKind, on: date, existing: date | None = None) -> Case:
    cmd = RequestAdvice(
        advice_kind=kind,
        provider_team=PROVIDER_TEAMS[kind],
        requested_on=on,
        existing_advice_date=existing,
        by=OFFICER,
    )
    return apply(case, cmd, FAR_TODAY)


def submit(case: Case, advice_id: str, on: date, by: Actor = OFFICER) -> Case:
    cmd = SubmitAdvice(advice_id=advice_id, returned_on=on, document_ref=f"doc-{advice_id}", by=by)
    return apply(case, cmd, FAR_TODAY)


def advice_requested(case: Case, kinds=BODIES, on_day: int = 21) -> Case:
    for kind in kinds:
        case = request(case, kind, d(case.day0, on_day))
    return case


def advice_received(case: Case, kinds=REQUIRED, requested_day: int = 21, returned_day: int = 50) -> Case:
    case = advice_requested(case, kinds, requested_day)
    for kind in kinds:
        case = submit(case, f"{kind}-1", d(case.day0, returned_day))
    return case


def decided_to_issue(day0: date = date(2024, 1, 8), on_day: int = 70) -> Case:
    case = advice_received(assessed(new_case(day0)))
    return apply(case, DecideToIssue(yes=True, on=d(day0, on_day), by=OFFICER), FAR_TODAY)


def draft_served(day0: date = date(2024, 1, 8), on_day: int = 90) -> Case:
    case = decided_to_issue(day0)
    return apply(case, ServeDraft(on=d(day0, on_day), by=OFFICER), FAR_TODAY)
