"""The alarm schedule (domain/alarms.py): reminders, breach, escalation, and back-dated cases."""

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.alarms import (
    AlarmLevel,
    AlarmTiming,
    advice_alarms,
    alarms_for,
    breached_deadlines,
    case_alarms,
    due_alarms,
    next_alarm_at,
)
from domain.assessment import apply
from domain.case import AdviceKind
from domain.clock import LONDON, at_london_time, end_of_day, london_date
from domain.commands import (
    DecideToAssess,
    RecordAdviceNotReceived,
    RecordException,
    Withdraw,
)
from domain.deadlines import DeadlineStatus, deadlines
from domain.events import AlarmEvent
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode
from tests.domain.builders import (
    FAR_TODAY,
    OFFICER,
    advice_requested,
    assessed,
    d,
    decided_to_issue,
    new_case,
    request,
    submit,
)

DAY0 = date(2024, 1, 8)
TIMING = AlarmTiming()
L = AlarmLevel
DAY0S = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))


def deadline(case, key, as_of):
    return next(dl for dl in deadlines(case, as_of) if dl.key == key)


def at_nine(day):
    return at_london_time(day, 9)


def by_deadline(alarms):
    out = {}
    for a in alarms:
        out.setdefault(a.deadline_key, []).append(a)
    return out


# --- the schedule of one deadline -----------------------------------------------


def test_T1_schedule_reminds_at_nine_breaches_at_end_of_day_then_escalates():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    due = d(DAY0, 42)
    got = [(a.level, a.offset_days, a.at) for a in alarms_for(t1, TIMING)]
    assert got == [
        (L.REMINDER, 7, at_nine(due - timedelta(days=7))),
        (L.REMINDER, 2, at_nine(due - timedelta(days=2))),
        (L.BREACH, 0, end_of_day(due)),
        (L.ESCALATION, 7, at_nine(due + timedelta(days=7))),
    ]


def test_reminder_is_at_nine_london_time_in_summer_too():
    t6 = deadline(new_case(DAY0), "T6", DAY0)  # due 2024-05-27, in BST
    reminders = [a for a in alarms_for(t6, TIMING) if a.level is L.REMINDER]
    assert [a.offset_days for a in reminders] == [28, 14, 7]
    for a in reminders:
        local = a.at.astimezone(LONDON)
        assert (local.date(), local.hour, local.minute) == (t6.due - timedelta(days=a.offset_days), 9, 0)
    assert reminders[-1].at.hour == 8  # 09:00 BST is 08:00 UTC


@given(DAY0S)
def test_every_alarm_falls_where_the_schedule_says(day0):
    case = advice_requested(assessed(new_case(day0), on_day=3), on_day=4)
    for dl in deadlines(case, day0):
        alarms = alarms_for(dl, TIMING)
        if dl.duty is Duty.T4 or not dl.is_open:
            assert alarms == []
            continue
        for a in alarms:
            assert a.due == dl.due.isoformat()
            assert a.deadline_key == dl.key
            if a.level in (L.BREACH, L.MILESTONE_MISSED):
                assert a.at == end_of_day(dl.due)
                assert london_date(a.at) == dl.due + timedelta(days=1)
            else:
                sign = -1 if a.level is L.REMINDER else 1
                local = a.at.astimezone(LONDON)
                assert local.date() == dl.due + timedelta(days=sign * a.offset_days)
                assert (local.hour, local.minute) == (9, 0)
        ats = [a.at for a in alarms]
        assert ats == sorted(ats)
        assert len({a.key for a in alarms}) == len(alarms)


def test_M14_milestone_yields_milestone_missed_not_breach():
    m14 = deadline(new_case(DAY0), "M14", DAY0)
    alarms = alarms_for(m14, TIMING)
    assert [(a.level, a.offset_days) for a in alarms] == [(L.REMINDER, 7), (L.MILESTONE_MISSED, 0)]
    assert alarms[-1].at == end_of_day(d(DAY0, 98))
    late = deadline(new_case(DAY0), "M14", d(DAY0, 120))
    assert late.status is DeadlineStatus.MISSED
    assert L.BREACH not in {a.level for a in alarms_for(late, TIMING)}


def test_done_deadline_yields_no_alarms():
    decided = apply(new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, 10), by=OFFICER), FAR_TODAY)
    t1 = deadline(decided, "T1", d(DAY0, 10))
    assert t1.status is DeadlineStatus.MET
    assert alarms_for(t1, TIMING) == []
    assert "T1" not in by_deadline(case_alarms(decided, at_nine(d(DAY0, 10)), TIMING))
    late = apply(new_case(DAY0), DecideToAssess(yes=True, on=d(DAY0, 50), by=OFFICER), FAR_TODAY)
    assert alarms_for(deadline(late, "T1", d(DAY0, 50)), TIMING) == []


def test_not_applicable_duties_yield_no_alarms():
    case = decided_to_issue(DAY0)  # T3 no longer applies
    keys = by_deadline(case_alarms(case, at_nine(d(DAY0, 70)), TIMING)).keys()
    assert set(keys) == {"M14", "T6"}


# --- case and advice alarms --------------------------------------------------------


def test_case_alarms_cover_the_case_duties_and_advice_alarms_each_request():
    case = advice_requested(assessed(new_case(DAY0), on_day=5), on_day=6)
    now = at_nine(d(DAY0, 6))
    assert set(by_deadline(case_alarms(case, now, TIMING))) == {"T3", "M14", "T6"}
    ep = advice_alarms(case.advice_by_id("EP-1"), False, now, TIMING)
    assert {a.deadline_key for a in ep} == {"T2:EP-1"}
    assert [(a.level, a.offset_days) for a in ep] == [
        (L.REMINDER, 14),
        (L.REMINDER, 7),
        (L.REMINDER, 2),
        (L.BREACH, 0),
        (L.ESCALATION, 7),
        (L.ESCALATION, 14),
    ]
    assert ep[0].at == at_nine(d(DAY0, 6 + 42 - 14))
    assert ep[3].at == end_of_day(d(DAY0, 6 + 42))
    assert ep[5].at == at_nine(d(DAY0, 6 + 42 + 14))
    assert all(a.subject == "EP-1" and not a.excepted for a in ep)
    assert all(a.excepted for a in advice_alarms(case.advice_by_id("EP-1"), True, now, TIMING))
    returned = submit(case, "EP-1", d(DAY0, 20)).advice_by_id("EP-1")
    assert advice_alarms(returned, False, now, TIMING) == []


def test_existing_advice_and_family_views_have_no_alarms():
    case = assessed(new_case(DAY0), on_day=5)
    case = request(case, AdviceKind.PARENT, d(DAY0, 6))
    case = request(case, AdviceKind.EP, d(DAY0, 6), existing=d(DAY0, -30))
    now = at_nine(d(DAY0, 6))
    assert advice_alarms(case.advice_by_id("PARENT-1"), False, now, TIMING) == []
    assert advice_alarms(case.advice_by_id("EP-1"), False, now, TIMING) == []


def test_closed_case_has_no_alarms():
    case = advice_requested(assessed(new_case(DAY0)))
    closed = apply(case, Withdraw(on=d(DAY0, 30), by=OFFICER), FAR_TODAY)
    now = at_nine(d(DAY0, 200))
    assert case_alarms(closed, now, TIMING) == []
    # Its advice requests were cancelled: their clocks raise nothing more.
    for advice in closed.advice:
        assert advice_alarms(advice, False, now, TIMING) == []


def test_advice_recorded_not_received_still_escalates_as_breached():
    case = advice_requested(assessed(new_case(DAY0), on_day=5), kinds=[AdviceKind.EP], on_day=6)
    case = apply(case, RecordAdviceNotReceived(advice_id="EP-1", on=d(DAY0, 49), by=OFFICER), FAR_TODAY)
    now = at_nine(d(DAY0, 6 + 42 + 7))
    send, _ = due_alarms(advice_alarms(case.advice_by_id("EP-1"), False, now, TIMING), set(), now)
    assert [(a.level, a.offset_days) for a in send] == [(L.ESCALATION, 7)]


def test_alarms_still_go_out_with_an_exception_labelled_excepted():
    pers = RecordException(
        code=ExceptionCode.E_PERS, on=d(DAY0, 5), description="illness", start=d(DAY0, 1), by=OFFICER
    )
    case = apply(new_case(DAY0), pers, FAR_TODAY)
    alarms = by_deadline(case_alarms(case, at_nine(d(DAY0, 5)), TIMING))
    assert alarms.keys() == {"T1", "T3", "M14", "T6"}
    for key in ("T1", "T3", "T6"):
        assert {a.level for a in alarms[key]} >= {L.REMINDER, L.BREACH}
        assert all(a.excepted for a in alarms[key])
    assert not any(a.excepted for a in alarms["M14"])


def test_custom_timing_is_used():
    timing = AlarmTiming(remind_before={Duty.T1: [1]}, escalate_after={})
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    assert [(a.level, a.offset_days) for a in alarms_for(t1, timing)] == [(L.REMINDER, 1), (L.BREACH, 0)]


# --- what is due now ------------------------------------------------------------


def test_due_alarms_on_a_back_dated_case_sends_only_the_latest_most_severe():
    today = d(DAY0, 60)
    case = new_case(DAY0, today=today)
    now = at_london_time(today, 10)
    alarms = case_alarms(case, now, TIMING)
    send, superseded = due_alarms(alarms, set(), now)
    assert [(a.deadline_key, a.level, a.offset_days) for a in send] == [("T1", L.ESCALATION, 7)]
    assert sorted((a.level, a.offset_days) for a in superseded) == sorted(
        [(L.REMINDER, 7), (L.REMINDER, 2), (L.BREACH, 0)]
    )
    assert all(a.deadline_key == "T1" for a in superseded)
    due_now = {a.key for a in alarms if a.at <= now}
    assert {a.key for a in send} | {a.key for a in superseded} == due_now
    assert not {a.key for a in send} & {a.key for a in superseded}


def test_due_alarms_one_per_deadline_for_a_long_overdue_case():
    today = d(DAY0, 150)
    case = new_case(DAY0, today=today)
    now = at_london_time(today, 12)
    send, superseded = due_alarms(case_alarms(case, now, TIMING), set(), now)
    got = {a.deadline_key: (a.level, a.offset_days) for a in send}
    assert got == {
        "T1": (L.ESCALATION, 7),
        "M14": (L.MILESTONE_MISSED, 0),
        "T3": (L.ESCALATION, 7),
        "T6": (L.ESCALATION, 7),
    }
    assert len(send) == 4
    assert [a.at for a in send] == sorted(a.at for a in send)
    assert L.REMINDER in {a.level for a in superseded}


def test_due_alarms_picks_the_later_of_two_escalations():
    case = advice_requested(assessed(new_case(DAY0), on_day=5), kinds=[AdviceKind.EP], on_day=6)
    now = at_nine(d(DAY0, 6 + 42 + 14))
    send, _ = due_alarms(advice_alarms(case.advice_by_id("EP-1"), False, now, TIMING), set(), now)
    assert [(a.level, a.offset_days) for a in send] == [(L.ESCALATION, 14)]


def test_due_alarms_prefers_severity_over_lateness():
    # A (mis)configured reminder falling after the breach must not win over it.
    timing = AlarmTiming(remind_before={Duty.T1: [-3]}, escalate_after={})
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    alarms = alarms_for(t1, timing)
    now = at_nine(t1.due + timedelta(days=4))
    send, superseded = due_alarms(alarms, set(), now)
    assert [a.level for a in send] == [L.BREACH]
    assert [(a.level, a.offset_days) for a in superseded] == [(L.REMINDER, -3)]


def test_due_alarms_skips_fired_and_future_alarms():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    alarms = alarms_for(t1, TIMING)
    first = alarms[0]
    assert due_alarms(alarms, set(), first.at - timedelta(microseconds=1)) == ([], [])
    assert due_alarms(alarms, set(), first.at) == ([first], [])
    assert due_alarms(alarms, {first.key}, first.at) == ([], [])
    breach = next(a for a in alarms if a.level is L.BREACH)
    send, superseded = due_alarms(alarms, {first.key}, breach.at)
    assert send == [breach]
    assert [a.offset_days for a in superseded] == [2]


def test_breach_fires_at_the_end_of_the_due_date_not_before():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    alarms = alarms_for(t1, TIMING)
    fired = {a.key for a in alarms if a.level is L.REMINDER}
    last_moment = end_of_day(t1.due) - timedelta(microseconds=1)
    assert due_alarms(alarms, fired, last_moment) == ([], [])
    send, _ = due_alarms(alarms, fired, end_of_day(t1.due))
    assert [a.level for a in send] == [L.BREACH]


def test_no_reminder_once_the_breach_has_fired():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    old = alarms_for(t1, AlarmTiming(remind_before={Duty.T1: [2]}))
    fired = {a.key for a in old}
    now = at_london_time(t1.due + timedelta(days=2), 12)
    send, _ = due_alarms(alarms_for(t1, TIMING), fired, now)
    assert L.REMINDER not in {a.level for a in send}


def test_next_alarm_at_is_the_earliest_unfired():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    alarms = alarms_for(t1, TIMING)
    assert next_alarm_at(alarms, set()) == alarms[0].at
    assert next_alarm_at(alarms, {alarms[0].key}) == alarms[1].at
    assert next_alarm_at(alarms, {a.key for a in alarms}) is None


def test_breached_deadlines_on_a_london_date():
    case = new_case(DAY0)
    assert breached_deadlines(case, end_of_day(d(DAY0, 42)) - timedelta(microseconds=1)) == []
    assert [dl.key for dl in breached_deadlines(case, end_of_day(d(DAY0, 42)))] == ["T1"]


def test_alarm_event_key_is_stable_per_workflow_and_alarm():
    t1 = deadline(new_case(DAY0), "T1", DAY0)
    alarm = alarms_for(t1, TIMING)[0]
    assert alarm.key == "T1:reminder:7"
    event = AlarmEvent(
        workflow_id="ehcna-CASE-1",
        case_ref="CASE-1",
        team="north-team",
        holder="north-team",
        alarm=alarm,
        raised_at=datetime(2024, 2, 12, 9, tzinfo=LONDON),
    )
    assert event.key == "ehcna-CASE-1#T1:reminder:7"
