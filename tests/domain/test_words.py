"""Refusals in plain English (domain/words.py): dates in words, deadlines and advice by what they are."""

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.appeals import Decisions, Disputed, RecordAppeal, Route, check_appeal
from domain.assessment import apply, start_case, under_the_regulations
from domain.case import AdviceKind, AdviceStatus, Case, Outcome, RequestSource, Stage
from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    RecordAdviceRequestReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    ResendAdviceRequest,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.errors import RuleViolation
from domain.history import returned_after_close
from domain.kpis import Period, PeriodKind
from domain.person import check_year_group
from domain.plan_calendar import PlanDuty
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode
from domain.words import (
    ADVICE_IN_WORDS,
    ADVICE_STATUS_IN_WORDS,
    DEADLINE_IN_WORDS,
    EXCEPTION_IN_WORDS,
    OUTCOME_IN_WORDS,
    PLAN_DEADLINE_IN_WORDS,
    STAGE_IN_WORDS,
    advice_in_words,
    day_in_words,
    deadline_in_words,
    period_in_words,
)
from tests.domain.builders import (
    FAR_TODAY,
    OFFICER,
    REQUIRED,
    advice_requested,
    assessed,
    d,
    decided_to_issue,
    draft_served,
    new_case,
    submit,
)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# a duty (T1, M14), an exception (E-SCH, A-APPT), an advice request (SOCIAL_CARE-1) or kind as a code
CODE = re.compile(
    r"\b(T[1-6]|M14)\b|\b[EA]-(SCH|EY|PERS|ABS|APPT)\b"
    r"|\b(PARENT|EDUCATION|HEALTH|EP|SOCIAL_CARE|PFA|OTHER)(-\d+)?\b"
    r"|\b(NOT_ASSESSED|PLAN_ISSUED|PLAN_NOT_ISSUED|TRANSFERRED_OUT|CANCELLED|NOT_RECEIVED)\b"
)
DAY0 = date(2024, 1, 8)


def test_a_day_in_words():
    assert day_in_words(date(2026, 11, 1)) == "1 November 2026"
    assert day_in_words(date(2026, 12, 5)) == "5 December 2026"
    assert period_in_words(date(2026, 11, 1), date(2026, 12, 5)) == "1 November 2026 to 5 December 2026"


def test_deadlines_and_advice_in_words():
    assert deadline_in_words(Duty.T6) == "Final plan within 20 weeks"
    assert deadline_in_words(Duty.T1) == "Decision whether to assess within 6 weeks"
    assert deadline_in_words(Duty.T2, "SOCIAL_CARE-1") == "Social care advice within 6 weeks"
    assert deadline_in_words(Duty.T2, "SOCIAL_CARE") == "Social care advice within 6 weeks"
    assert deadline_in_words(Duty.T2) == "Advice within 6 weeks"
    assert advice_in_words("SOCIAL_CARE-1") == "Social care advice"
    assert advice_in_words("HEALTH-2") == "Medical advice (request 2)"
    assert advice_in_words("EP") == "Psychological advice"


@pytest.mark.parametrize(
    ("codes", "table"),
    [
        (Duty, DEADLINE_IN_WORDS),
        (PlanDuty, PLAN_DEADLINE_IN_WORDS),
        (AdviceKind, ADVICE_IN_WORDS),
        (ExceptionCode, EXCEPTION_IN_WORDS),
        (Stage, STAGE_IN_WORDS),
        (Outcome, OUTCOME_IN_WORDS),
        (AdviceStatus, ADVICE_STATUS_IN_WORDS),
    ],
)
def test_every_code_has_words_without_a_code_in_them(codes, table):
    assert set(table) == {str(c) for c in codes}
    for words in table.values():
        assert not CODE.search(words), words


def _start(**kw) -> Callable[[], object]:
    cmd = StartAssessment(ref="C-1", request_source=RequestSource.PARENT, team="north", **kw)
    return lambda: start_case(cmd, d(DAY0, 10))


def _apply(case: Callable[[], Case], cmd: object, today: date = FAR_TODAY) -> Callable[[], object]:
    return lambda: apply(case(), cmd, today)  # type: ignore[arg-type]


def _requested() -> Case:
    return advice_requested(assessed(new_case(DAY0), on_day=10), on_day=11)


def _closed() -> Case:
    case = apply(_requested(), Withdraw(on=d(DAY0, 30), by=OFFICER), FAR_TODAY)
    return case.model_copy(update={"recorded_elsewhere": True})


def _exception(code: ExceptionCode, **kw) -> Callable[[], object]:
    return _apply(_requested, RecordException(code=code, on=d(DAY0, 30), by=OFFICER, **kw), d(DAY0, 60))


# Every rule that refuses a date (and those that name advice, a deadline or an exception), driven once.
REFUSALS: dict[str, Callable[[], object]] = {
    "day 0 before the regulations": lambda: under_the_regulations(date(2014, 8, 31)),
    "day 0 in the future": _start(day0=d(DAY0, 11)),
    "first request after day 0": _start(day0=DAY0, transferred_in=True, original_request_on=d(DAY0, 1)),
    "an action in the future": _apply(
        lambda: new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, 5), by=OFFICER), d(DAY0, 4)
    ),
    "an action before day 0": _apply(
        lambda: new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, -1), by=OFFICER)
    ),
    "decided twice": _apply(
        lambda: assessed(new_case(DAY0)), DecideToAssess(yes=True, on=d(DAY0, 30), by=OFFICER)
    ),
    "advice before the decision": _apply(
        lambda: assessed(new_case(DAY0), on_day=20),
        RequestAdvice(advice_kind=AdviceKind.EP, provider_team="ep", requested_on=d(DAY0, 19), by=OFFICER),
    ),
    "received before sent": _apply(
        lambda: assessed(new_case(DAY0), on_day=10),
        RequestAdvice(
            advice_kind=AdviceKind.EP,
            provider_team="ep",
            requested_on=d(DAY0, 12),
            received_on=d(DAY0, 11),
            by=OFFICER,
        ),
    ),
    "receipt after the 6 weeks": _apply(
        _requested,
        RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 12), by=OFFICER),
        d(DAY0, 60),
    ),
    "receipt recorded twice": _apply(
        lambda: apply(
            _requested(),
            RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 12), by=OFFICER),
            d(DAY0, 20),
        ),
        RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 13), by=OFFICER),
        d(DAY0, 20),
    ),
    "withdrawn before sent": _apply(
        _requested, WithdrawAdviceRequest(advice_id="EP-1", on=d(DAY0, 10), reason="error", by=OFFICER)
    ),
    "resent to the same team": _apply(
        _requested,
        ResendAdviceRequest(advice_id="EP-1", provider_team="ep-service", on=d(DAY0, 12), by=OFFICER),
    ),
    "submitted twice": _apply(
        lambda: submit(_requested(), "EP-1", d(DAY0, 30)),
        SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 31), document_ref="x", by=OFFICER),
    ),
    "not received before it is due": _apply(
        _requested, RecordAdviceNotReceived(advice_id="EP-1", on=d(DAY0, 20), by=OFFICER)
    ),
    "decision to issue awaiting advice": _apply(
        lambda: advice_requested(assessed(new_case(DAY0), on_day=10), kinds=REQUIRED, on_day=11),
        DecideToIssue(yes=True, on=d(DAY0, 60), by=OFFICER),
    ),
    "decision to issue without advice": _apply(
        lambda: assessed(new_case(DAY0)), DecideToIssue(yes=True, on=d(DAY0, 60), by=OFFICER)
    ),
    "draft before the decision": _apply(
        lambda: decided_to_issue(DAY0), ServeDraft(on=d(DAY0, 60), by=OFFICER)
    ),
    "response twice": _apply(
        lambda: apply(draft_served(DAY0), RecordFamilyResponse(on=d(DAY0, 95), by=OFFICER), FAR_TODAY),
        RecordFamilyResponse(on=d(DAY0, 96), by=OFFICER),
    ),
    "final plan inside the 15 days": _apply(
        lambda: draft_served(DAY0), IssueFinalPlan(on=d(DAY0, 95), by=OFFICER)
    ),
    "at the wrong stage": _apply(lambda: new_case(DAY0), ServeDraft(on=d(DAY0, 5), by=OFFICER)),
    "a closed case": _apply(_closed, Withdraw(on=d(DAY0, 40), by=OFFICER)),
    "closure too short": _exception(
        ExceptionCode.E_SCH, start=d(DAY0, 5), end=d(DAY0, 20), requested_on=d(DAY0, 6)
    ),
    "request outside the closure window": _exception(
        ExceptionCode.E_SCH, start=d(DAY0, 20), end=d(DAY0, 60), requested_on=d(DAY0, 1)
    ),
    "absence too short": _exception(ExceptionCode.E_ABS, start=d(DAY0, 5), end=d(DAY0, 20)),
    "absence outside the case": _exception(ExceptionCode.E_ABS, start=d(DAY0, 100), end=d(DAY0, 140)),
    "circumstances outside the advice period": _exception(
        ExceptionCode.A_PERS, advice_id="EP-1", description="ill", start=d(DAY0, 100)
    ),
    "appointment outside the advice period": _exception(
        ExceptionCode.A_APPT, advice_id="EP-1", appointment_on=d(DAY0, 5)
    ),
    "an advice exception without its request": _exception(
        ExceptionCode.A_ABS, start=d(DAY0, 12), end=d(DAY0, 50)
    ),
    "a case exception against a request for advice": _exception(
        ExceptionCode.E_PERS, advice_id="EP-1", description="ill", start=d(DAY0, 300)
    ),
    "advice returned after close, before its request": lambda: returned_after_close(
        _closed(), "EP-1", d(DAY0, 5), "doc"
    ),
    "appeal before the decision": lambda: check_appeal(
        Decisions(ref="C-1", not_assessed_on=d(DAY0, 40)),
        RecordAppeal(route=Route.MEDIATION, disputes=Disputed.REQUEST, started_on=d(DAY0, 30), by=OFFICER),
        FAR_TODAY,
    ),
    "appeal in the future": lambda: check_appeal(
        Decisions(ref="C-1", not_assessed_on=d(DAY0, 40)),
        RecordAppeal(route=Route.MEDIATION, disputes=Disputed.REQUEST, started_on=d(DAY0, 50), by=OFFICER),
        d(DAY0, 45),
    ),
    "year group against the date of birth": lambda: check_year_group(date(2020, 1, 1), 3, date(2025, 11, 1)),
    "a period that ends before it starts": lambda: Period(PeriodKind.RANGE, d(DAY0, 5), DAY0),
}


@pytest.mark.parametrize("rule", REFUSALS)
def test_no_refusal_says_an_iso_date_or_a_code(rule):
    with pytest.raises(ValueError) as err:
        REFUSALS[rule]()
    reason = str(err.value)
    assert not ISO_DATE.search(reason), reason
    assert not CODE.search(reason), reason


def test_refusals_say_the_dates_they_compare():
    with pytest.raises(RuleViolation) as err:
        REFUSALS["final plan inside the 15 days"]()
    assert err.value.field == "on"
    assert err.value.reason.startswith(f"final plan cannot be issued before {day_in_words(d(DAY0, 105))}")
    with pytest.raises(RuleViolation) as err:
        REFUSALS["request outside the closure window"]()
    assert err.value.field == "requested_on"
    assert err.value.reason.startswith(
        "School or college closed for 4 weeks or more: advice requested on 9 January"
    )


CASES: dict[str, Callable[[], Case]] = {
    "request": lambda: new_case(DAY0),
    "advice": _requested,
    "drafting": lambda: decided_to_issue(DAY0),
    "draft served": lambda: draft_served(DAY0),
}


def _commands(on: date, other: date) -> list[object]:
    return [
        DecideToAssess(yes=True, on=on, by=OFFICER),
        RequestAdvice(
            advice_kind=AdviceKind.EP, provider_team="ep", requested_on=on, received_on=other, by=OFFICER
        ),
        RecordAdviceRequestReceived(advice_id="EP-1", received_on=on, by=OFFICER),
        WithdrawAdviceRequest(advice_id="EP-1", on=on, reason="sent in error", by=OFFICER),
        ResendAdviceRequest(advice_id="EP-1", provider_team="ep-two", on=on, by=OFFICER),
        SubmitAdvice(advice_id="EP-1", returned_on=on, document_ref="doc", by=OFFICER),
        RecordAdviceNotReceived(advice_id="EP-1", on=on, by=OFFICER),
        RecordException(
            code=ExceptionCode.E_ABS, on=on, start=other, end=other + timedelta(days=30), by=OFFICER
        ),
        RecordException(code=ExceptionCode.A_APPT, on=on, advice_id="EP-1", appointment_on=other, by=OFFICER),
        DecideToIssue(yes=True, on=on, by=OFFICER),
        ServeDraft(on=on, by=OFFICER),
        RecordFamilyResponse(on=on, by=OFFICER),
        IssueFinalPlan(on=on, by=OFFICER),
        Withdraw(on=on, by=OFFICER),
    ]


@given(
    st.sampled_from(sorted(CASES)),
    st.integers(min_value=-10, max_value=200),
    st.integers(min_value=-10, max_value=200),
    st.integers(min_value=0, max_value=200),
)
def test_no_refusal_of_any_action_on_any_day_says_an_iso_date(stage, on_day, other_day, today_day):
    case = CASES[stage]()
    for cmd in _commands(d(DAY0, on_day), d(DAY0, other_day)):
        try:
            apply(case, cmd, d(DAY0, today_day))  # type: ignore[arg-type]
        except RuleViolation as err:
            assert not ISO_DATE.search(err.reason), err.reason
