"""The worklist's next step (domain/deadlines.next_step): the undone statutory deadline still awaited
that falls soonest; the store keeps it on the case row (cases.next_key, cases.next_due)."""

from datetime import timedelta

from domain.assessment import apply
from domain.case import AdviceKind
from domain.commands import DecideToAssess, RecordAdviceNotReceived, Withdraw
from domain.deadlines import next_step
from domain.statutory_calendar import decision_deadline, no_plan_notice_deadline
from tests.domain.builders import FAR_TODAY, OFFICER, advice_requested, assessed, d, new_case, request, submit

DAY0 = new_case().day0


def test_next_step_is_the_decision_whether_to_assess_while_it_is_undecided():
    step = next_step(new_case(DAY0))
    assert step is not None and step.key == "T1" and step.due == decision_deadline(DAY0)


def test_next_step_is_advice_still_awaited_before_a_later_duty():
    case = advice_requested(assessed(new_case(DAY0), on_day=10), kinds=(AdviceKind.HEALTH,), on_day=11)
    step = next_step(case)
    assert step is not None and step.key == "T2:HEALTH-1" and step.due == d(DAY0, 11 + 42)


def test_next_step_skips_advice_recorded_as_not_received():
    """Breached for good, but nobody waits for it: the case must not stay "late" on the worklist."""
    case = advice_requested(assessed(new_case(DAY0), on_day=10), kinds=(AdviceKind.HEALTH,), on_day=11)
    due = d(DAY0, 11 + 42)
    case = apply(
        case, RecordAdviceNotReceived(advice_id="HEALTH-1", on=due + timedelta(days=1), by=OFFICER), FAR_TODAY
    )
    step = next_step(case)
    assert step is not None and step.key == "T3" and step.due == no_plan_notice_deadline(DAY0)


def test_next_step_skips_advice_returned():
    case = advice_requested(assessed(new_case(DAY0), on_day=10), kinds=(AdviceKind.HEALTH,), on_day=11)
    case = submit(case, "HEALTH-1", d(DAY0, 30))
    step = next_step(case)
    assert step is not None and step.key == "T3"


def test_next_step_breaks_a_tie_on_the_due_date_by_duty_then_advice_id():
    """Two requests due the same day: the advice id decides, whatever order they were made in."""
    case = assessed(new_case(DAY0), on_day=10)
    for kind in (AdviceKind.SOCIAL_CARE, AdviceKind.HEALTH, AdviceKind.EP):
        case = request(case, kind, d(DAY0, 11))
    step = next_step(case)
    assert step is not None and step.key == "T2:EP-1"
    assert [a.id for a in case.advice] == ["SOCIAL_CARE-1", "HEALTH-1", "EP-1"]


def test_next_step_is_none_once_the_case_is_closed():
    refused = apply(
        new_case(DAY0),
        DecideToAssess(yes=False, on=d(DAY0, 10), appeal_information_given=True, by=OFFICER),
        FAR_TODAY,
    )
    assert next_step(refused) is None
    # withdrawn after its decision deadline passed undecided: breached, but no longer anyone's step
    late = apply(new_case(DAY0), Withdraw(on=d(DAY0, 60), by=OFFICER), FAR_TODAY)
    assert next_step(late) is None
