"""Exceptions to the time limits (domain/statutory_exceptions.py), recorded through ``apply``."""

from datetime import date

import pytest

from domain.assessment import apply
from domain.commands import RecordException
from domain.deadlines import DeadlineStatus, deadlines, is_breached
from domain.errors import RuleViolation
from domain.statutory_exceptions import (
    ExceptionCode,
    RecordedException,
    validate_advice_exception,
    validate_case_exception,
)
from tests.domain.builders import OFFICER, advice_requested, assessed, d, new_case

DAY0 = date(2024, 1, 8)
TODAY = d(DAY0, 60)
REQUESTED_DAY = 11  # every advice request of CASE is made on day 11: its period is days 11 to 53
E = ExceptionCode
CLOSURES = [E.E_SCH, E.E_EY]


def case():
    return advice_requested(assessed(new_case(DAY0), on_day=10), on_day=REQUESTED_DAY)


def record(code, **kw):
    return apply(case(), RecordException(code=code, on=d(DAY0, 30), by=OFFICER, **kw), TODAY)


def refused(code, field, **kw):
    with pytest.raises(RuleViolation) as err:
        record(code, **kw)
    assert err.value.field == field, err.value.reason
    return err.value


def closure(start_day=15, days=28, requested_day=REQUESTED_DAY):
    return {
        "start": d(DAY0, start_day),
        "end": d(DAY0, start_day + days),
        "requested_on": d(DAY0, requested_day),
    }


# --- E-SCH, E-EY: closure of a school or early years setting --------------------


@pytest.mark.parametrize("code", CLOSURES)
def test_closure_exception_accepted(code):
    recorded = record(code, **closure()).exceptions
    assert [(x.code, x.recorded_on, x.requested_on) for x in recorded] == [
        (code, d(DAY0, 30), d(DAY0, REQUESTED_DAY))
    ]


@pytest.mark.parametrize("code", CLOSURES)
def test_closure_must_last_28_days(code):
    assert record(code, **closure(days=28)).week20_exception
    err = refused(code, "end", **closure(days=27))
    assert "27 days" in err.reason


@pytest.mark.parametrize("code", CLOSURES)
def test_closure_request_window_boundaries_are_inclusive(code):
    # Closure days 20 to 48: the window is day 13 (start - 7) to day 41 (reopen - 7).
    assert record(code, **closure(20, requested_day=13)).week20_exception
    assert record(code, **closure(20, requested_day=41)).week20_exception
    refused(code, "requested_on", **closure(20, requested_day=12))
    refused(code, "requested_on", **closure(20, requested_day=42))


@pytest.mark.parametrize("code", CLOSURES)
@pytest.mark.parametrize("missing", ["start", "end", "requested_on"])
def test_closure_facts_required(code, missing):
    facts = closure()
    del facts[missing]
    refused(code, missing, **facts)


def test_closure_request_date_taken_from_the_advice_request():
    facts = closure(start_day=18)  # window: days 11 to 39
    del facts["requested_on"]
    recorded = record(E.E_SCH, advice_id="EDUCATION-1", **facts)
    assert recorded.exceptions[0].requested_on == d(DAY0, REQUESTED_DAY)
    late_closure = closure(start_day=19)  # window starts day 12: the request on day 11 is outside
    del late_closure["requested_on"]
    refused(E.E_SCH, "requested_on", advice_id="EDUCATION-1", **late_closure)
    refused(E.E_SCH, "advice_id", advice_id="NOPE-1", **facts)


# --- E-PERS, A-PERS: exceptional circumstances ----------------------------------


def test_E_PERS_accepted_with_description_overlapping_the_open_period():
    recorded = record(E.E_PERS, description="bereavement", start=d(DAY0, -20), end=d(DAY0, 0))
    assert recorded.exceptions[0].description == "bereavement"
    assert record(E.E_PERS, description="illness", start=TODAY).week20_exception


@pytest.mark.parametrize("description", [None, "", "   "])
def test_E_PERS_description_required(description):
    refused(E.E_PERS, "description", description=description, start=d(DAY0, 5))


def test_E_PERS_must_overlap_the_open_period():
    refused(E.E_PERS, "start", description="x", start=d(DAY0, -30), end=d(DAY0, -1))
    refused(E.E_PERS, "start", description="x", start=d(DAY0, 61))
    refused(E.E_PERS, "start", description="x")
    refused(E.E_PERS, "end", description="x", start=d(DAY0, 5), end=d(DAY0, 4))


def test_A_PERS_accepted_within_the_advice_period():
    recorded = record(E.A_PERS, advice_id="HEALTH-1", description="hospital stay", start=d(DAY0, 53))
    assert recorded.exceptions[0].advice_id == "HEALTH-1"
    assert not recorded.week20_exception


def test_A_PERS_refusals():
    refused(E.A_PERS, "description", advice_id="HEALTH-1", start=d(DAY0, 20))
    refused(E.A_PERS, "start", advice_id="HEALTH-1", description="x", start=d(DAY0, 54))
    refused(E.A_PERS, "start", advice_id="HEALTH-1", description="x", start=d(DAY0, 0), end=d(DAY0, 10))


# --- E-ABS, A-ABS: absence from the area ----------------------------------------


@pytest.mark.parametrize(("code", "advice_id"), [(E.E_ABS, None), (E.A_ABS, "HEALTH-1")])
def test_E_ABS_and_A_ABS_count_both_days_so_28_days_are_accepted_and_27_refused(code, advice_id):
    # the first and the last day of absence both count: 1 to 28 February is 28 days
    ok = record(code, advice_id=advice_id, start=d(DAY0, 15), end=d(DAY0, 15 + 27))
    assert ok.exceptions[0].code is code
    err = refused(code, "end", advice_id=advice_id, start=d(DAY0, 15), end=d(DAY0, 15 + 26))
    assert "is 27 days" in err.reason


@pytest.mark.parametrize(("code", "advice_id"), [(E.E_ABS, None), (E.A_ABS, "HEALTH-1")])
def test_absence_dates_required_and_ordered(code, advice_id):
    refused(code, "start", advice_id=advice_id, end=d(DAY0, 40))
    refused(code, "end", advice_id=advice_id, start=d(DAY0, 10))
    refused(code, "end", advice_id=advice_id, start=d(DAY0, 40), end=d(DAY0, 10))


def test_E_ABS_must_overlap_the_open_period():
    assert record(E.E_ABS, start=d(DAY0, -28), end=d(DAY0, 0)).week20_exception
    refused(E.E_ABS, "start", start=d(DAY0, -29), end=d(DAY0, -1))
    refused(E.E_ABS, "start", start=d(DAY0, 61), end=d(DAY0, 100))


def test_A_ABS_must_overlap_the_advice_period():
    # Advice period: days 11 to 53, both included.
    assert record(E.A_ABS, advice_id="HEALTH-1", start=d(DAY0, -17), end=d(DAY0, 11)).exceptions
    assert record(E.A_ABS, advice_id="HEALTH-1", start=d(DAY0, 53), end=d(DAY0, 81)).exceptions
    refused(E.A_ABS, "start", advice_id="HEALTH-1", start=d(DAY0, -18), end=d(DAY0, 10))
    refused(E.A_ABS, "start", advice_id="HEALTH-1", start=d(DAY0, 54), end=d(DAY0, 82))


# --- A-APPT: a missed appointment -------------------------------------------------


def test_A_APPT_accepted_on_both_ends_of_the_advice_period():
    for day in (REQUESTED_DAY, REQUESTED_DAY + 42):
        recorded = record(E.A_APPT, advice_id="EP-1", appointment_on=d(DAY0, day))
        assert recorded.exceptions[0].appointment_on == d(DAY0, day)


def test_A_APPT_date_required_within_the_advice_period():
    refused(E.A_APPT, "appointment_on", advice_id="EP-1")
    refused(E.A_APPT, "appointment_on", advice_id="EP-1", appointment_on=d(DAY0, REQUESTED_DAY - 1))
    refused(E.A_APPT, "appointment_on", advice_id="EP-1", appointment_on=d(DAY0, REQUESTED_DAY + 43))


# --- codes against the wrong clock ------------------------------------------------


@pytest.mark.parametrize("code", [E.A_PERS, E.A_ABS, E.A_APPT])
def test_advice_exception_needs_an_advice_id(code):
    refused(
        code, "advice_id", description="x", start=d(DAY0, 20), end=d(DAY0, 50), appointment_on=d(DAY0, 20)
    )
    refused(code, "advice_id", advice_id="NOPE-1", appointment_on=d(DAY0, 20))


@pytest.mark.parametrize("code", [E.E_SCH, E.E_EY, E.E_PERS, E.E_ABS])
def test_case_code_refused_as_an_advice_exception(code):
    exc = RecordedException(code=code, recorded_on=d(DAY0, 30), description="x", **closure())
    with pytest.raises(RuleViolation) as err:
        validate_advice_exception(exc, d(DAY0, REQUESTED_DAY))
    assert err.value.field == "code"


@pytest.mark.parametrize("code", [E.A_PERS, E.A_ABS, E.A_APPT])
def test_advice_code_refused_as_a_case_exception(code):
    exc = RecordedException(
        code=code, recorded_on=d(DAY0, 30), description="x", start=d(DAY0, 1), end=d(DAY0, 40)
    )
    with pytest.raises(RuleViolation) as err:
        validate_case_exception(exc, (DAY0, TODAY))
    assert err.value.field == "code"


def test_codes_split_between_case_and_advice():
    assert {c for c in E if c.applies_to_case} == {E.E_SCH, E.E_EY, E.E_PERS, E.E_ABS}
    assert {c for c in E if c.applies_to_advice} == {E.A_PERS, E.A_ABS, E.A_APPT}


def test_same_exception_recorded_twice_refused():
    first = record(E.E_PERS, description="illness", start=d(DAY0, 5))
    again = RecordException(
        code=E.E_PERS, on=d(DAY0, 31), description="illness", start=d(DAY0, 5), by=OFFICER
    )
    with pytest.raises(RuleViolation) as err:
        apply(first, again, TODAY)
    assert err.value.field == "code"


# --- what an exception changes, and what it does not ------------------------------


def test_exception_never_moves_a_deadline():
    plain = new_case(DAY0, today=TODAY)
    pers = RecordException(code=E.E_PERS, on=d(DAY0, 20), description="illness", start=d(DAY0, 1), by=OFFICER)
    excepted = apply(plain, pers, TODAY)
    as_of = d(DAY0, 50)  # T1 (day 42) passed undecided
    before = {dl.key: dl for dl in deadlines(plain, as_of)}
    after = {dl.key: dl for dl in deadlines(excepted, as_of)}
    assert before.keys() == after.keys()
    for key, dl in after.items():
        assert dl.due == before[key].due
        assert dl.status is before[key].status
    assert after["T1"].status is DeadlineStatus.BREACHED
    assert is_breached(excepted, as_of)
    assert after["T1"].excepted and after["T3"].excepted and after["T6"].excepted
    assert not after["M14"].excepted
    assert not any(dl.excepted for dl in before.values())


def test_advice_exception_marks_only_its_own_T2_and_never_moves_it():
    recorded = record(E.A_APPT, advice_id="EP-1", appointment_on=d(DAY0, 20))
    dls = {dl.key: dl for dl in deadlines(recorded, d(DAY0, 60))}
    assert dls["T2:EP-1"].excepted
    assert dls["T2:EP-1"].due == d(DAY0, REQUESTED_DAY + 42)
    assert dls["T2:EP-1"].status is DeadlineStatus.BREACHED
    assert not dls["T2:HEALTH-1"].excepted
    assert not any(dls[k].excepted for k in ("T1", "T3", "T6"))
    assert not recorded.week20_exception


@pytest.mark.parametrize(
    ("code", "facts", "week20"),
    [
        (E.E_SCH, closure(), True),
        (E.E_EY, closure(), True),
        (E.E_PERS, {"description": "x", "start": d(DAY0, 1)}, True),
        (E.E_ABS, {"start": d(DAY0, 1), "end": d(DAY0, 29)}, True),
        (E.A_PERS, {"advice_id": "EP-1", "description": "x", "start": d(DAY0, 20)}, False),
        (E.A_ABS, {"advice_id": "EP-1", "start": d(DAY0, 20), "end": d(DAY0, 48)}, False),
        (E.A_APPT, {"advice_id": "EP-1", "appointment_on": d(DAY0, 20)}, False),
    ],
)
def test_week20_exception_only_for_E_codes(code, facts, week20):
    assert not case().week20_exception
    assert record(code, **facts).week20_exception is week20


@pytest.mark.parametrize("code", CLOSURES)
def test_school_closure_is_not_an_exception_to_advice_T2(code):
    facts = closure()
    del facts["requested_on"]
    recorded = record(code, advice_id="EDUCATION-1", **facts)
    assert recorded.week20_exception
    t2 = {dl.key: dl for dl in deadlines(recorded, TODAY)}["T2:EDUCATION-1"]
    assert not t2.excepted
