"""The assessment as a state machine (domain/assessment.py): each rule, named after it."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.assessment import apply, required_advice, start_case
from domain.case import AdviceKind, AdviceStatus, Outcome, RequestSource, Stage
from domain.commands import (
    Actor,
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    ReassignTeam,
    RecordAdviceNotReceived,
    RecordAdviceRequestReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    ResendAdviceRequest,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
    TransferOut,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.deadlines import DeadlineStatus, deadlines
from domain.errors import RuleViolation
from domain.statutory_exceptions import ExceptionCode
from domain.words import advice_in_words, day_in_words, lower_first
from tests.domain.builders import (
    BODIES,
    FAR_TODAY,
    MANAGER,
    OFFICER,
    REQUIRED,
    advice_received,
    advice_requested,
    assessed,
    d,
    decided_to_issue,
    draft_served,
    new_case,
    provider,
    request,
    submit,
)

DAY0 = date(2024, 1, 8)


def refused(case, cmd, field, today=FAR_TODAY, match=None):
    with pytest.raises(RuleViolation, match=match) as err:
        apply(case, cmd, today)
    assert err.value.field == field, err.value.reason
    return err.value


# --- T4 -----------------------------------------------------------------------


@given(st.integers(min_value=70, max_value=130), st.integers(min_value=0, max_value=14))
def test_T4_final_plan_refused_before_day_D_plus_15_without_response(served_day, attempt):
    case = draft_served(DAY0, on_day=served_day)
    served = case.draft_served_on
    earliest = served + timedelta(days=15)
    err = refused(case, IssueFinalPlan(on=served + timedelta(days=attempt), by=OFFICER), "on")
    assert day_in_words(earliest) in err.reason
    issued = apply(case, IssueFinalPlan(on=earliest, by=OFFICER), FAR_TODAY)
    assert issued.outcome is Outcome.PLAN_ISSUED
    assert issued.final_plan_issued_on == earliest
    assert issued.outcome_on == earliest


def test_T4_final_plan_allowed_early_once_family_response_recorded():
    case = draft_served(DAY0, on_day=90)
    case = apply(case, RecordFamilyResponse(on=d(DAY0, 92), by=OFFICER), FAR_TODAY)
    issued = apply(case, IssueFinalPlan(on=d(DAY0, 93), by=OFFICER), FAR_TODAY)
    assert issued.outcome is Outcome.PLAN_ISSUED
    assert issued.final_plan_issued_on == d(DAY0, 93)
    # ...but not before the response itself.
    refused(case, IssueFinalPlan(on=d(DAY0, 91), by=OFFICER), "on")


def test_family_response_recorded_once_and_not_before_the_draft():
    case = draft_served(DAY0, on_day=90)
    refused(case, RecordFamilyResponse(on=d(DAY0, 89), by=OFFICER), "on")
    case = apply(case, RecordFamilyResponse(on=d(DAY0, 92), by=OFFICER), FAR_TODAY)
    refused(case, RecordFamilyResponse(on=d(DAY0, 93), by=OFFICER), "on", match="already recorded")


# --- reg 5, reg 10: refusals carry appeal information ---------------------------


def test_reg5_3_refusal_to_assess_requires_appeal_information():
    case = new_case(DAY0)
    refused(case, DecideToAssess(yes=False, on=d(DAY0, 30), by=OFFICER), "appeal_information_given")
    ok = DecideToAssess(yes=False, on=d(DAY0, 30), appeal_information_given=True, by=OFFICER)
    closed = apply(case, ok, FAR_TODAY)
    assert closed.outcome is Outcome.NOT_ASSESSED
    assert closed.outcome_on == d(DAY0, 30)
    assert closed.stage is Stage.CLOSED
    # A "yes" needs no appeal information.
    assert apply(case, DecideToAssess(yes=True, on=d(DAY0, 30), by=OFFICER), FAR_TODAY).stage is Stage.ADVICE


def test_reg10_1_refusal_to_issue_requires_appeal_information():
    case = advice_received(assessed(new_case(DAY0)))
    refused(case, DecideToIssue(yes=False, on=d(DAY0, 80), by=OFFICER), "appeal_information_given")
    ok = DecideToIssue(yes=False, on=d(DAY0, 80), appeal_information_given=True, by=OFFICER)
    closed = apply(case, ok, FAR_TODAY)
    assert closed.outcome is Outcome.PLAN_NOT_ISSUED
    assert closed.outcome_on == d(DAY0, 80)


def test_decision_to_assess_is_recorded_once():
    case = assessed(new_case(DAY0))
    refused(case, DecideToAssess(yes=True, on=d(DAY0, 25), by=OFFICER), "yes", match="already recorded")


# --- reg 6: who gives advice ----------------------------------------------------


@pytest.mark.parametrize("missing", BODIES)
def test_reg6_1_required_advice_sought_before_decision_to_issue(missing):
    kinds = [k for k in BODIES if k is not missing]
    case = advice_received(assessed(new_case(DAY0)), kinds=kinds)
    err = refused(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), "advice")
    assert lower_first(advice_in_words(missing)) in err.reason and missing.value not in err.reason
    complete = advice_received(assessed(new_case(DAY0)))
    assert (
        apply(complete, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), FAR_TODAY).stage
        is Stage.DRAFTING
    )


def test_reg6_1_parent_views_sought_before_decision_to_issue():
    assert AdviceKind.PARENT in required_advice(new_case(DAY0))
    case = advice_received(assessed(new_case(DAY0)), kinds=BODIES)
    err = refused(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), "advice")
    assert "parent or young person's views" in err.reason
    case = advice_received(case, kinds=[AdviceKind.PARENT])
    assert apply(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), FAR_TODAY).stage is Stage.DRAFTING


def test_reg6_1_decision_waits_for_awaited_advice_until_recorded_not_received():
    case = advice_requested(assessed(new_case(DAY0), on_day=10), kinds=REQUIRED, on_day=11)
    for kind in (AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.EP, AdviceKind.SOCIAL_CARE):
        case = submit(case, f"{kind}-1", d(DAY0, 40))
    err = refused(case, DecideToIssue(yes=True, on=d(DAY0, 60), by=OFFICER), "advice")
    assert "medical advice" in err.reason and "HEALTH-1" not in err.reason
    due = d(DAY0, 11 + 42)
    refused(case, RecordAdviceNotReceived(advice_id="HEALTH-1", on=due, by=OFFICER), "on")
    case = apply(case, RecordAdviceNotReceived(advice_id="HEALTH-1", on=d(DAY0, 54), by=OFFICER), FAR_TODAY)
    health = case.advice_by_id("HEALTH-1")
    assert health.status is AdviceStatus.NOT_RECEIVED and health.not_received_on == d(DAY0, 54)
    assert apply(case, DecideToIssue(yes=True, on=d(DAY0, 60), by=OFFICER), FAR_TODAY).stage is Stage.DRAFTING


def test_reg6_4_existing_advice_has_no_clock():
    case = assessed(new_case(DAY0), on_day=10)
    case = request(case, AdviceKind.EP, d(DAY0, 11), existing=d(DAY0, -60))
    ep = case.advice_by_id("EP-1")
    assert ep.status is AdviceStatus.EXISTING_USED
    assert ep.existing_advice_date == d(DAY0, -60)
    assert ep.returned_on == d(DAY0, -60)
    assert not ep.has_clock and not ep.is_open
    assert "T2:EP-1" not in {dl.key for dl in deadlines(case, FAR_TODAY)}
    # It counts as sought for reg 6(1), and cannot carry a reg 8(2) exception.
    case = advice_received(
        case, kinds=[AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.HEALTH, AdviceKind.SOCIAL_CARE]
    )
    assert apply(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), FAR_TODAY).stage is Stage.DRAFTING
    exc = RecordException(
        code=ExceptionCode.A_APPT, on=d(DAY0, 30), advice_id="EP-1", appointment_on=d(DAY0, 20), by=OFFICER
    )
    refused(case, exc, "advice_id", match="no 6-week clock")


def test_reg6_4_existing_advice_must_predate_its_use():
    case = assessed(new_case(DAY0), on_day=10)
    cmd = RequestAdvice(
        advice_kind=AdviceKind.EP,
        provider_team="ep-service",
        requested_on=d(DAY0, 11),
        existing_advice_date=d(DAY0, 12),
        by=OFFICER,
    )
    refused(case, cmd, "existing_advice_date")


def test_PFA_only_from_year_9():
    for year in (None, 8):
        case = assessed(new_case(DAY0, year_group=year))
        cmd = RequestAdvice(
            advice_kind=AdviceKind.PFA, provider_team="pfa", requested_on=d(DAY0, 21), by=OFFICER
        )
        refused(case, cmd, "advice_kind", match="year 9")
        assert AdviceKind.PFA not in required_advice(case)
    case = assessed(new_case(DAY0, year_group=9))
    assert AdviceKind.PFA in required_advice(case)
    case = advice_received(case)
    refused(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), "advice", match="adulthood")
    case = advice_received(case, kinds=[AdviceKind.PFA])
    assert case.advice_by_id("PFA-1").status is AdviceStatus.RECEIVED
    assert apply(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=OFFICER), FAR_TODAY).stage is Stage.DRAFTING


def test_several_requests_of_one_kind_each_have_their_own_team_and_clock():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    second = RequestAdvice(
        advice_kind=AdviceKind.HEALTH, provider_team="salt-team", requested_on=d(DAY0, 30), by=OFFICER
    )
    case = apply(case, second, FAR_TODAY)
    health = [a for a in case.advice if a.kind is AdviceKind.HEALTH]
    assert [(a.id, a.provider_team, a.due_on) for a in health] == [
        ("HEALTH-1", "icb-health", d(DAY0, 21 + 42)),
        ("HEALTH-2", "salt-team", d(DAY0, 30 + 42)),
    ]
    statuses = {x.subject: x.due for x in deadlines(case, d(DAY0, 31)) if x.subject}
    assert statuses["HEALTH-1"] == d(DAY0, 63) and statuses["HEALTH-2"] == d(DAY0, 72)
    # each is answered on its own
    case = submit(case, "HEALTH-2", d(DAY0, 40))
    assert case.advice_by_id("HEALTH-1").is_open


def test_T2_start_counts_from_the_received_date_when_recorded():
    case = assessed(new_case(DAY0))
    cmd = RequestAdvice(
        advice_kind=AdviceKind.EP,
        provider_team="ep-service",
        requested_on=d(DAY0, 21),
        received_on=d(DAY0, 24),
        by=OFFICER,
    )
    case = apply(case, cmd, FAR_TODAY)
    advice = case.advice_by_id("EP-1")
    assert advice.clock_starts_on == d(DAY0, 24)
    assert advice.due_on == d(DAY0, 24 + 42)
    # on the 42nd day from sending it is not yet late: the body has 6 weeks from receipt
    t2 = next(x for x in deadlines(case, d(DAY0, 21 + 43)) if x.subject == "EP-1")
    assert t2.status is not DeadlineStatus.BREACHED


def test_T2_start_is_the_sent_date_when_no_receipt_is_recorded():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    assert case.advice_by_id("EP-1").due_on == d(DAY0, 21 + 42)


@given(sent=st.integers(0, 400), delay=st.integers(0, 30))
def test_T2_start_receipt_recorded_later_moves_the_due_date_to_receipt_plus_42(sent, delay):
    day0 = date(2024, 1, 8)
    case = assessed(new_case(day0), on_day=0)
    case = request(case, AdviceKind.HEALTH, d(day0, sent))
    case = apply(
        case,
        RecordAdviceRequestReceived(advice_id="HEALTH-1", received_on=d(day0, sent + delay), by=OFFICER),
        d(day0, sent + delay),  # recorded the day it was received
    )
    assert case.advice_by_id("HEALTH-1").due_on == d(day0, sent + delay + 42)


def test_T2_start_receipt_cannot_precede_the_request_or_be_recorded_twice():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    today = d(DAY0, 30)
    early = RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 20), by=OFFICER)
    refused(case, early, "received_on", today, match="before the request was sent")
    case = apply(
        case, RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 22), by=OFFICER), today
    )
    again = RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 23), by=OFFICER)
    refused(case, again, "received_on", today, match="already recorded as received")
    # advice cannot come back before its request was received
    back = SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 21), document_ref="doc", by=OFFICER)
    refused(case, back, "returned_on", today, match="before the request was received")
    # the family's views have no clock, so no date of receipt
    case = request(case, AdviceKind.PARENT, d(DAY0, 21))
    views = RecordAdviceRequestReceived(advice_id="PARENT-1", received_on=d(DAY0, 22), by=OFFICER)
    refused(case, views, "advice_id", today, match="no 6-week clock")


def test_T2_start_receipt_is_recorded_while_the_six_weeks_from_sending_run_and_before_any_exception():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)  # due day 63 as sent
    late = RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 23), by=OFFICER)
    refused(case, late, "received_on", d(DAY0, 64), match="within the 6 weeks from sending")
    assert apply(case, late, d(DAY0, 63)).advice_by_id("EP-1").due_on == d(DAY0, 23 + 42)
    excepted = apply(
        case,
        RecordException(
            code=ExceptionCode.A_APPT,
            on=d(DAY0, 30),
            advice_id="EP-1",
            appointment_on=d(DAY0, 30),
            by=OFFICER,
        ),
        FAR_TODAY,
    )
    refused(excepted, late, "received_on", d(DAY0, 40), match="an exception is already recorded")


def test_T2_start_the_providers_own_team_may_record_receipt_and_no_other():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    own = RecordAdviceRequestReceived(advice_id="EP-1", received_on=d(DAY0, 23), by=provider(AdviceKind.EP))
    assert apply(case, own, d(DAY0, 24)).advice_by_id("EP-1").received_on == d(DAY0, 23)
    other = own.model_copy(update={"by": provider(AdviceKind.HEALTH)})
    refused(case, other, "by", d(DAY0, 24))


def test_a_request_sent_in_error_can_be_withdrawn_before_it_is_answered_and_then_has_no_clock():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    case = apply(
        case,
        WithdrawAdviceRequest(
            advice_id="SOCIAL_CARE-1", on=d(DAY0, 22), reason="sent to the wrong team", by=OFFICER
        ),
        FAR_TODAY,
    )
    advice = case.advice_by_id("SOCIAL_CARE-1")
    assert advice.status is AdviceStatus.WITHDRAWN and advice.withdrawn_on == d(DAY0, 22)
    assert not advice.has_clock and advice.due_on is None
    assert "SOCIAL_CARE-1" not in {x.subject for x in deadlines(case, d(DAY0, 100))}
    # a withdrawn request does not count as the social care advice reg 6(1) requires
    case = submit(case, "EDUCATION-1", d(DAY0, 40))
    case = submit(case, "HEALTH-1", d(DAY0, 40))
    case = submit(case, "EP-1", d(DAY0, 40))
    case = request(case, AdviceKind.PARENT, d(DAY0, 21))
    case = submit(case, "PARENT-1", d(DAY0, 40))
    refused(case, DecideToIssue(yes=True, on=d(DAY0, 70), by=OFFICER), "advice", match="social care advice")


def test_withdrawal_of_advice_already_answered_is_refused():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    case = submit(case, "EP-1", d(DAY0, 30))
    cmd = WithdrawAdviceRequest(advice_id="EP-1", on=d(DAY0, 31), reason="in error", by=OFFICER)
    refused(case, cmd, "advice_id", match="already submitted")


def test_only_an_officer_withdraws_a_request():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    cmd = WithdrawAdviceRequest(
        advice_id="EP-1", on=d(DAY0, 22), reason="not needed", by=provider(AdviceKind.EP)
    )
    refused(case, cmd, "by")


def test_a_request_resent_to_another_team_withdraws_the_first_and_starts_a_new_clock():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    cmd = ResendAdviceRequest(
        advice_id="SOCIAL_CARE-1", provider_team="adult-social-care", on=d(DAY0, 25), by=OFFICER
    )
    case = apply(case, cmd, FAR_TODAY)
    first, second = (a for a in case.advice if a.kind is AdviceKind.SOCIAL_CARE)
    assert (first.status, first.withdrawn_on) == (AdviceStatus.WITHDRAWN, d(DAY0, 25))
    assert (second.id, second.provider_team, second.requested_on, second.due_on) == (
        "SOCIAL_CARE-2",
        "adult-social-care",
        d(DAY0, 25),
        d(DAY0, 25 + 42),
    )
    same = ResendAdviceRequest(
        advice_id="SOCIAL_CARE-2", provider_team="adult-social-care", on=d(DAY0, 26), by=OFFICER
    )
    refused(case, same, "provider_team", match="already sent to")


def test_other_advice_many_times():
    case = advice_requested(assessed(new_case(DAY0)))
    case = request(case, AdviceKind.OTHER, d(DAY0, 25))
    case = request(case, AdviceKind.OTHER, d(DAY0, 26))
    assert [a.id for a in case.advice if a.kind is AdviceKind.OTHER] == ["OTHER-1", "OTHER-2"]


def test_advice_cannot_be_returned_before_it_was_requested():
    case = advice_requested(assessed(new_case(DAY0)), on_day=21)
    sub = SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 20), document_ref="doc", by=OFFICER)
    refused(case, sub, "returned_on")


def test_duplicate_advice_submission_refused():
    case = advice_requested(assessed(new_case(DAY0)))
    case = submit(case, "EP-1", d(DAY0, 30))
    err = refused(
        case,
        SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 31), document_ref="again", by=OFFICER),
        "advice_id",
        match="already submitted",
    )
    assert day_in_words(d(DAY0, 30)) in err.reason
    assert case.advice_by_id("EP-1").document_ref == "doc-EP-1"


def test_unknown_advice_refused():
    case = advice_requested(assessed(new_case(DAY0)))
    refused(
        case,
        SubmitAdvice(advice_id="EP-9", returned_on=d(DAY0, 30), document_ref="x", by=OFFICER),
        "advice_id",
    )


# --- who may act ----------------------------------------------------------------


def test_provider_may_only_act_on_own_team_advice():
    case = advice_requested(assessed(new_case(DAY0)))
    health = provider(AdviceKind.HEALTH)
    done = submit(case, "HEALTH-1", d(DAY0, 30), by=health)
    assert done.advice_by_id("HEALTH-1").status is AdviceStatus.RECEIVED
    other = SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 30), document_ref="doc", by=health)
    refused(case, other, "by")
    teamless = Actor(user="p-2", role=Role.PROVIDER)
    refused(
        case, SubmitAdvice(advice_id="HEALTH-1", returned_on=d(DAY0, 30), document_ref="d", by=teamless), "by"
    )
    # A provider may record a reg 8(2) exception on its own advice only.
    appt = RecordException(
        code=ExceptionCode.A_APPT, on=d(DAY0, 30), advice_id="HEALTH-1", appointment_on=d(DAY0, 25), by=health
    )
    assert apply(case, appt, FAR_TODAY).exceptions[0].code is ExceptionCode.A_APPT
    refused(case, appt.model_copy(update={"advice_id": "EP-1"}), "by")
    # ...and nothing on the case itself.
    refused(case, DecideToIssue(yes=True, on=d(DAY0, 80), by=health), "by")
    refused(case, Withdraw(on=d(DAY0, 30), by=health), "by")
    pers = RecordException(
        code=ExceptionCode.E_PERS, on=d(DAY0, 30), description="illness", start=d(DAY0, 1), by=health
    )
    refused(case, pers, "by")


def test_provider_acting_on_unknown_advice_is_told_so():
    case = advice_requested(assessed(new_case(DAY0)))
    cmd = SubmitAdvice(
        advice_id="NOPE-1", returned_on=d(DAY0, 30), document_ref="d", by=provider(AdviceKind.EP)
    )
    refused(case, cmd, "advice_id")


def test_manager_may_act_as_an_officer():
    case = apply(new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, 10), by=MANAGER), FAR_TODAY)
    assert case.stage is Stage.ADVICE


# --- dates ----------------------------------------------------------------------


def test_day0_in_future_refused():
    cmd = StartAssessment(ref="C-2", day0=date(2024, 5, 2), request_source=RequestSource.SCHOOL, team="t")
    with pytest.raises(RuleViolation) as err:
        start_case(cmd, today=date(2024, 5, 1))
    assert err.value.field == "day0"
    assert start_case(cmd, today=date(2024, 5, 2)).day0 == date(2024, 5, 2)


def test_case_reference_cannot_carry_a_name():
    for ref in ("John Smith", "", "-abc", "a" * 65):
        with pytest.raises(ValidationError):
            StartAssessment(ref=ref, day0=DAY0, request_source=RequestSource.PARENT, team="t")


def test_action_date_in_future_refused():
    today = d(DAY0, 30)
    refused(new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, 31), by=OFFICER), "on", today=today)
    case = apply(new_case(DAY0), DecideToAssess(yes=True, on=today, by=OFFICER), today)
    req = RequestAdvice(advice_kind=AdviceKind.EP, provider_team="ep", requested_on=d(DAY0, 31), by=OFFICER)
    refused(case, req, "requested_on", today=today)
    case = apply(case, req.model_copy(update={"requested_on": today}), today)
    sub = SubmitAdvice(advice_id="EP-1", returned_on=d(DAY0, 31), document_ref="d", by=OFFICER)
    refused(case, sub, "returned_on", today=today, match="future")
    refused(case, Withdraw(on=d(DAY0, 31), by=OFFICER), "on", today=today)


def test_action_date_before_day0_refused():
    refused(new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, -1), by=OFFICER), "on", match="before day 0")


def test_steps_in_order():
    case = new_case(DAY0)
    req = RequestAdvice(advice_kind=AdviceKind.EP, provider_team="ep", requested_on=d(DAY0, 5), by=OFFICER)
    refused(case, req, "case")
    refused(case, ServeDraft(on=d(DAY0, 5), by=OFFICER), "case")
    case = assessed(case, on_day=10)
    refused(case, req, "requested_on", match="decision to assess")
    refused(case, IssueFinalPlan(on=d(DAY0, 50), by=OFFICER), "case")
    issuing = decided_to_issue(DAY0, on_day=70)
    refused(issuing, ServeDraft(on=d(DAY0, 69), by=OFFICER), "on")
    refused(issuing, RecordFamilyResponse(on=d(DAY0, 75), by=OFFICER), "case")


def test_apply_does_not_change_the_case_it_is_given():
    case = new_case(DAY0)
    before = case.model_dump()
    apply(case, DecideToAssess(yes=True, on=d(DAY0, 10), by=OFFICER), FAR_TODAY)
    assert case.model_dump() == before


# --- ending a case --------------------------------------------------------------


def test_withdrawal_closes_case_and_cancels_open_advice():
    case = advice_requested(assessed(new_case(DAY0)))
    case = submit(case, "EP-1", d(DAY0, 30))
    closed = apply(case, Withdraw(on=d(DAY0, 35), by=OFFICER), FAR_TODAY)
    assert closed.outcome is Outcome.WITHDRAWN and closed.outcome_on == d(DAY0, 35)
    assert closed.stage is Stage.CLOSED
    statuses = {a.id: a.status for a in closed.advice}
    assert statuses.pop("EP-1") is AdviceStatus.RECEIVED
    assert set(statuses.values()) == {AdviceStatus.CANCELLED}
    # A cancelled request before its due date is no longer a duty.
    t2 = {dl.key: dl.status for dl in deadlines(closed, FAR_TODAY) if dl.subject}
    assert t2["T2:HEALTH-1"] is DeadlineStatus.NOT_APPLICABLE
    refused(
        closed,
        SubmitAdvice(advice_id="HEALTH-1", returned_on=d(DAY0, 36), document_ref="d", by=OFFICER),
        "case",
        match="closed",
    )


def test_case_cannot_close_before_its_last_recorded_step():
    case = assessed(new_case(DAY0), on_day=20)
    refused(case, Withdraw(on=d(DAY0, 19), by=OFFICER), "on")


STAGES = {
    Stage.REQUEST: lambda: new_case(DAY0),
    Stage.ADVICE: lambda: advice_requested(assessed(new_case(DAY0))),
    Stage.DRAFTING: lambda: decided_to_issue(DAY0),
    Stage.DRAFT_SERVED: lambda: draft_served(DAY0),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_transfer_out_at_any_stage(stage):
    case = STAGES[stage]()
    assert case.stage is stage
    moved = apply(case, TransferOut(on=d(DAY0, 120), by=OFFICER), FAR_TODAY)
    assert moved.outcome is Outcome.TRANSFERRED_OUT
    assert moved.outcome_on == d(DAY0, 120)
    assert not any(a.is_open for a in moved.advice)
    refused(moved, TransferOut(on=d(DAY0, 121), by=OFFICER), "case")
    refused(moved, Withdraw(on=d(DAY0, 121), by=OFFICER), "case")


def test_closed_plan_case_takes_no_more_actions():
    case = draft_served(DAY0, on_day=90)
    issued = apply(case, IssueFinalPlan(on=d(DAY0, 110), by=OFFICER), FAR_TODAY)
    refused(issued, IssueFinalPlan(on=d(DAY0, 111), by=OFFICER), "case")


# --- migrated cases -------------------------------------------------------------


def test_migrated_case_deadlines_from_real_day0():
    today = date(2024, 6, 1)
    day0 = today - timedelta(days=100)
    case = new_case(day0, today=today)
    dls = {dl.key: dl for dl in deadlines(case, today)}
    assert dls["T1"].due == day0 + timedelta(days=42)
    assert dls["T1"].status is DeadlineStatus.BREACHED
    assert dls["M14"].due == day0 + timedelta(days=98)
    assert dls["M14"].status is DeadlineStatus.MISSED
    assert dls["T3"].due == day0 + timedelta(days=112)
    assert dls["T3"].status is DeadlineStatus.AT_RISK
    assert dls["T6"].due == day0 + timedelta(days=140)
    assert dls["T6"].status is DeadlineStatus.DUE
    # Its past steps can be entered with their real (past) dates.
    case = apply(case, DecideToAssess(yes=True, on=day0 + timedelta(days=30), by=OFFICER), today)
    assert {dl.key: dl for dl in deadlines(case, today)}["T1"].status is DeadlineStatus.MET


def test_reassignment_moves_the_case_to_another_team_and_only_a_manager_or_the_head_of_service_may():
    case = new_case()
    on = case.day0 + timedelta(days=3)
    moved = apply(case, ReassignTeam(team="south", on=on, by=MANAGER), FAR_TODAY)
    assert (
        moved.team == "south" and moved.stage == case.stage and moved.day0 == case.day0
    )  # the clock runs on
    head = Actor(user="hos", role=Role.ADMIN)
    assert apply(moved, ReassignTeam(team="north", on=on, by=head), FAR_TODAY).team == "north"
    with pytest.raises(RuleViolation) as officer:
        apply(case, ReassignTeam(team="south", on=on, by=OFFICER), FAR_TODAY)
    assert officer.value.field == "by" and "manager" in officer.value.reason
    with pytest.raises(RuleViolation) as same:
        apply(case, ReassignTeam(team=case.team, on=on, by=MANAGER), FAR_TODAY)
    assert same.value.field == "team"
