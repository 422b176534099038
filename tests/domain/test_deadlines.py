"""Deadline statuses (domain/deadlines.py) and the time limits T1, T2, T3, T6, M14."""

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.assessment import apply
from domain.case import AdviceKind
from domain.clock import LONDON, london_date, start_of_day
from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    RecordFamilyResponse,
    Withdraw,
)
from domain.deadlines import (
    AT_RISK_WITHIN_DAYS,
    DeadlineStatus,
    deadlines,
    is_breached,
    next_deadline,
    next_status_change,
    outcome_week,
)
from domain.statutory_calendar import Duty
from domain.views import case_view
from tests.domain.builders import (
    BODIES,
    FAR_TODAY,
    OFFICER,
    advice_received,
    advice_requested,
    assessed,
    d,
    decided_to_issue,
    draft_served,
    new_case,
    request,
    submit,
)

S = DeadlineStatus
DAY0S = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))
DAY0 = date(2024, 1, 8)


def by_key(case, as_of):
    return {dl.key: dl for dl in deadlines(case, as_of)}


def status(case, key, as_of):
    return by_key(case, as_of)[key].status


# --- T1 ---------------------------------------------------------------------


@given(DAY0S)
def test_T1_decision_within_6_weeks_of_day0(day0):
    case = new_case(day0)
    t1 = by_key(case, day0)["T1"]
    assert t1.due == day0 + timedelta(days=42)
    on_time = apply(case, DecideToAssess(yes=True, on=t1.due, by=OFFICER), FAR_TODAY)
    late = apply(case, DecideToAssess(yes=True, on=t1.due + timedelta(days=1), by=OFFICER), FAR_TODAY)
    assert status(on_time, "T1", FAR_TODAY) is S.MET
    assert status(late, "T1", FAR_TODAY) is S.MET_LATE
    assert by_key(on_time, FAR_TODAY)["T1"].done_on == t1.due


@given(DAY0S, st.integers(min_value=0, max_value=42), st.integers(min_value=1, max_value=300))
def test_engine_rule_on_or_before_day0_plus_7N(day0, early, late):
    """A duty "within N weeks" is met on any date <= day0 + 7N, late on any date after."""
    due = day0 + timedelta(days=42)
    met_on, late_on = due - timedelta(days=early), due + timedelta(days=late)
    met = apply(new_case(day0), DecideToAssess(yes=True, on=met_on, by=OFFICER), FAR_TODAY)
    missed = apply(new_case(day0), DecideToAssess(yes=True, on=late_on, by=OFFICER), FAR_TODAY)
    assert status(met, "T1", FAR_TODAY) is S.MET
    assert status(missed, "T1", FAR_TODAY) is S.MET_LATE


def test_T1_undecided_is_breached_from_the_day_after_week_6():
    case = new_case(DAY0)
    assert status(case, "T1", d(DAY0, 42)) is S.AT_RISK
    assert status(case, "T1", d(DAY0, 43)) is S.BREACHED
    assert is_breached(case, d(DAY0, 43))
    assert not is_breached(case, d(DAY0, 42))


# --- T2 ---------------------------------------------------------------------


def test_T2_advice_due_6_weeks_from_its_own_request_date():
    case = assessed(new_case(DAY0), on_day=10)
    case = request(case, AdviceKind.HEALTH, d(DAY0, 12))
    case = request(case, AdviceKind.EP, d(DAY0, 30))
    dls = by_key(case, d(DAY0, 30))
    assert dls["T2:HEALTH-1"].due == d(DAY0, 12 + 42)
    assert dls["T2:EP-1"].due == d(DAY0, 30 + 42)
    assert dls["T2:EP-1"].holder == "ep-service"
    assert dls["T2:EP-1"].subject == "EP-1"
    # Each has its own clock: on day 55 health is breached, the EP's is not.
    assert status(case, "T2:HEALTH-1", d(DAY0, 55)) is S.BREACHED
    assert status(case, "T2:EP-1", d(DAY0, 55)) is S.DUE


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_T2_met_on_its_due_date_and_late_the_day_after(request_day, returned_after):
    case = assessed(new_case(DAY0), on_day=0)
    case = request(case, AdviceKind.HEALTH, d(DAY0, request_day))
    case = submit(case, "HEALTH-1", d(DAY0, request_day + returned_after))
    expected = S.MET if returned_after <= 42 else S.MET_LATE
    assert status(case, "T2:HEALTH-1", FAR_TODAY) is expected


def test_advice_not_received_counts_as_breached():
    case = advice_requested(assessed(new_case(DAY0), on_day=10), on_day=11)
    due = d(DAY0, 11 + 42)
    cmd = RecordAdviceNotReceived(advice_id="HEALTH-1", on=due + timedelta(days=1), by=OFFICER)
    case = apply(case, cmd, FAR_TODAY)
    # Breached whatever the day it is looked at, even "before" its due date.
    for as_of in (d(DAY0, 11), due, FAR_TODAY):
        assert status(case, "T2:HEALTH-1", as_of) is S.BREACHED
    assert is_breached(case, d(DAY0, 11))


def test_family_views_and_existing_advice_have_no_T2_clock():
    case = assessed(new_case(DAY0), on_day=10)
    case = request(case, AdviceKind.PARENT, d(DAY0, 11))
    case = request(case, AdviceKind.EP, d(DAY0, 11), existing=d(DAY0, -100))
    assert not [dl for dl in deadlines(case, FAR_TODAY) if dl.duty is Duty.T2]


# --- T3 ---------------------------------------------------------------------


def _decide_not_to_issue(on_day):
    case = advice_received(assessed(new_case(DAY0)))
    cmd = DecideToIssue(yes=False, on=d(DAY0, on_day), appeal_information_given=True, by=OFFICER)
    return apply(case, cmd, FAR_TODAY)


def test_T3_no_plan_notice_within_16_weeks():
    assert by_key(new_case(DAY0), DAY0)["T3"].due == d(DAY0, 112)
    assert status(_decide_not_to_issue(112), "T3", FAR_TODAY) is S.MET
    assert status(_decide_not_to_issue(113), "T3", FAR_TODAY) is S.MET_LATE
    # Once the LA decides to issue, the notice duty does not apply.
    assert status(decided_to_issue(DAY0), "T3", FAR_TODAY) is S.NOT_APPLICABLE


def test_engine_rule_T3_undecided_past_week_16_is_breached():
    case = advice_received(assessed(new_case(DAY0)))
    assert status(case, "T3", d(DAY0, 112)) is S.AT_RISK
    assert status(case, "T3", d(DAY0, 113)) is S.BREACHED
    assert status(case, "T3", d(DAY0, 400)) is S.BREACHED


# --- M14 and T6 -------------------------------------------------------------


def test_M14_draft_milestone_warns_not_breaches():
    case = advice_received(assessed(new_case(DAY0)))
    assert by_key(case, DAY0)["M14"].due == d(DAY0, 98)
    assert status(case, "M14", d(DAY0, 98)) is S.AT_RISK
    assert status(case, "M14", d(DAY0, 99)) is S.MISSED
    assert by_key(case, d(DAY0, 99))["M14"].is_open
    # A missed milestone alone does not make the case breached.
    assert not is_breached(case, d(DAY0, 99))
    assert status(draft_served(DAY0, on_day=98), "M14", FAR_TODAY) is S.MET
    assert status(draft_served(DAY0, on_day=99), "M14", FAR_TODAY) is S.MET_LATE


def _issue_final(on_day):
    case = draft_served(DAY0, on_day=100)
    return apply(case, IssueFinalPlan(on=d(DAY0, on_day), by=OFFICER), FAR_TODAY)


def test_T6_final_plan_within_20_weeks():
    assert by_key(new_case(DAY0), DAY0)["T6"].due == d(DAY0, 140)
    on_time, late = _issue_final(140), _issue_final(141)
    assert status(on_time, "T6", FAR_TODAY) is S.MET
    assert status(late, "T6", FAR_TODAY) is S.MET_LATE
    assert outcome_week(on_time) == 20
    assert outcome_week(late) == 141 / 7
    case = draft_served(DAY0)
    assert status(case, "T6", d(DAY0, 140)) is S.AT_RISK
    assert status(case, "T6", d(DAY0, 141)) is S.BREACHED


def test_T4_window_is_tracked_and_never_breaches():
    case = draft_served(DAY0, on_day=90)
    t4 = by_key(case, d(DAY0, 90))["T4"]
    assert t4.due == d(DAY0, 90 + 14)
    assert t4.status is S.DUE
    assert status(case, "T4", d(DAY0, 104)) is S.DUE
    assert status(case, "T4", d(DAY0, 105)) is S.MET
    responded = apply(case, RecordFamilyResponse(on=d(DAY0, 95), by=OFFICER), FAR_TODAY)
    assert by_key(responded, d(DAY0, 95))["T4"].done_on == d(DAY0, 95)
    assert status(responded, "T4", d(DAY0, 95)) is S.MET


# --- status properties ------------------------------------------------------


@given(DAY0S, st.integers(min_value=0, max_value=200))
def test_at_risk_exactly_when_due_is_0_to_14_days_away(day0, offset):
    case = advice_requested(assessed(new_case(day0), on_day=5), on_day=9)
    as_of = day0 + timedelta(days=offset)
    for dl in deadlines(case, as_of):
        if dl.duty in (Duty.T1, Duty.T4):
            continue  # T1 is done (decided on day 5); T4 has no draft yet
        left = (dl.due - as_of).days
        assert (dl.status is S.AT_RISK) == (0 <= left <= AT_RISK_WITHIN_DAYS)
        assert (dl.status is S.DUE) == (left > AT_RISK_WITHIN_DAYS)
        if left < 0:
            assert dl.status is (S.MISSED if dl.is_milestone else S.BREACHED)


_RANK = {S.DUE: 0, S.AT_RISK: 1, S.BREACHED: 2, S.MISSED: 2}


@given(DAY0S, st.lists(st.integers(min_value=0, max_value=250), min_size=2, max_size=12))
def test_deadline_status_is_monotone_in_as_of_while_undone(day0, offsets):
    case = advice_requested(assessed(new_case(day0), on_day=3), on_day=4)
    seen: dict[str, list[DeadlineStatus]] = {}
    for offset in sorted(offsets):
        for dl in deadlines(case, day0 + timedelta(days=offset)):
            if dl.duty is not Duty.T1:
                seen.setdefault(dl.key, []).append(dl.status)
    assert seen
    for statuses in seen.values():
        ranks = [_RANK[s] for s in statuses]
        assert ranks == sorted(ranks), statuses
        if S.BREACHED in statuses:
            first = statuses.index(S.BREACHED)
            assert set(statuses[first:]) == {S.BREACHED}


# --- closed cases, next deadline, view --------------------------------------


def test_duties_of_a_case_withdrawn_late_are_breached_and_early_not_applicable():
    early = apply(new_case(DAY0), Withdraw(on=d(DAY0, 42), by=OFFICER), FAR_TODAY)
    late = apply(new_case(DAY0), Withdraw(on=d(DAY0, 43), by=OFFICER), FAR_TODAY)
    assert status(early, "T1", FAR_TODAY) is S.NOT_APPLICABLE
    assert status(late, "T1", FAR_TODAY) is S.BREACHED
    assert status(late, "T6", FAR_TODAY) is S.NOT_APPLICABLE
    assessing = advice_received(assessed(new_case(DAY0)))
    very_late = apply(assessing, Withdraw(on=d(DAY0, 99), by=OFFICER), FAR_TODAY)
    assert status(very_late, "M14", FAR_TODAY) is S.MISSED
    assert status(very_late, "T3", FAR_TODAY) is S.NOT_APPLICABLE


def test_refusal_to_assess_leaves_no_later_duties():
    cmd = DecideToAssess(yes=False, on=d(DAY0, 30), appeal_information_given=True, by=OFFICER)
    case = apply(new_case(DAY0), cmd, FAR_TODAY)
    dls = by_key(case, FAR_TODAY)
    assert dls["T1"].status is S.MET
    for key in ("T3", "M14", "T6"):
        assert dls[key].status is S.NOT_APPLICABLE
    assert not is_breached(case, FAR_TODAY)
    assert next_deadline(case, d(DAY0, 31)) is None


def test_refusal_to_issue_makes_draft_and_final_plan_not_applicable():
    dls = by_key(_decide_not_to_issue(100), FAR_TODAY)
    assert dls["M14"].status is S.NOT_APPLICABLE
    assert dls["T6"].status is S.NOT_APPLICABLE


def test_next_deadline_is_the_soonest_statutory_one_ahead():
    case = advice_requested(assessed(new_case(DAY0), on_day=5), kinds=BODIES, on_day=6)
    nxt = next_deadline(case, d(DAY0, 10))
    assert nxt is not None and nxt.duty is Duty.T2 and nxt.due == d(DAY0, 48)
    # After the advice is breached, the milestone is skipped: T3 is next.
    nxt = next_deadline(case, d(DAY0, 60))
    assert nxt is not None and nxt.duty is Duty.T3


def test_deadlines_are_sorted_soonest_first():
    dls = deadlines(draft_served(DAY0), d(DAY0, 90))
    assert [dl.due for dl in dls] == sorted(dl.due for dl in dls)


def test_case_view_summarises_the_case_on_a_date():
    case = new_case(DAY0)
    view = case_view(case, d(DAY0, 50))
    assert view.stage == case.stage
    assert view.breached is True
    assert view.week20_exception is False
    assert view.next_deadline is not None and view.next_deadline.duty is Duty.T3
    assert [dl.key for dl in view.deadlines] == [dl.key for dl in deadlines(case, d(DAY0, 50))]


# --- when the statuses next change ------------------------------------------


def test_next_status_change_is_when_the_first_deadline_turns_at_risk_then_breached():
    case = new_case(DAY0)
    first = next_status_change(case, start_of_day(DAY0))
    assert first == start_of_day(d(DAY0, 42 - 14))
    assert status(case, "T1", d(DAY0, 27)) is S.DUE
    assert status(case, "T1", d(DAY0, 28)) is S.AT_RISK
    # Once T1 is at risk, its breach (the end of day 42) comes before any other change.
    assert next_status_change(case, first) == start_of_day(d(DAY0, 43))
    decided = apply(case, DecideToAssess(yes=True, on=d(DAY0, 30), by=OFFICER), FAR_TODAY)
    assert next_status_change(decided, start_of_day(d(DAY0, 30))) == start_of_day(d(DAY0, 98 - 14))


@given(DAY0S, st.integers(min_value=0, max_value=160), st.integers(min_value=0, max_value=23))
def test_no_status_changes_before_next_status_change_and_one_does_at_it(day0, offset, hour):
    case = advice_requested(assessed(new_case(day0), on_day=3), on_day=4)
    now = datetime.combine(day0 + timedelta(days=offset), time(hour), tzinfo=LONDON)
    change = next_status_change(case, now)
    if change is None:
        assert not any(dl.status in (S.DUE, S.AT_RISK) for dl in deadlines(case, london_date(now)))
        return
    assert change > now

    def snapshot(instant):
        return {dl.key: dl.status for dl in deadlines(case, london_date(instant))}

    before = snapshot(change - timedelta(microseconds=1))
    assert snapshot(now) == before
    assert snapshot(change) != before
