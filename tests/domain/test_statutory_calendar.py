"""Property tests for the date arithmetic of the statutory calendar and the London clock."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.clock import LONDON, at_london_time, end_of_day, london_date, start_of_day
from domain.statutory_calendar import (
    Duty,
    advice_due,
    decision_deadline,
    draft_plan_milestone,
    earliest_final_plan,
    final_plan_deadline,
    no_plan_notice_deadline,
    representations_window_end,
    statutory_deadline,
    weeks_between,
    within_weeks,
)

DATES = st.dates(min_value=date(1980, 1, 1), max_value=date(2090, 12, 31))
WEEKS = st.integers(min_value=0, max_value=60)
ONE_US = timedelta(microseconds=1)


@given(DATES, WEEKS)
def test_within_weeks_is_exactly_7N_calendar_days(start, weeks):
    assert (within_weeks(start, weeks) - start).days == 7 * weeks


@pytest.mark.parametrize(
    ("fn", "days"),
    [
        (decision_deadline, 42),
        (advice_due, 42),
        (draft_plan_milestone, 98),
        (no_plan_notice_deadline, 112),
        (final_plan_deadline, 140),
        (representations_window_end, 14),
        (earliest_final_plan, 15),
    ],
)
@given(start=DATES)
def test_each_time_limit_is_a_fixed_number_of_calendar_days(fn, days, start):
    assert fn(start) - start == timedelta(days=days)


@given(DATES)
def test_limits_are_ordered_within_an_assessment(day0):
    assert (
        day0
        < decision_deadline(day0)
        < draft_plan_milestone(day0)
        < no_plan_notice_deadline(day0)
        < final_plan_deadline(day0)
    )


@given(DATES)
def test_T4_window_is_15_days_beginning_with_the_day_served(served):
    window = [served + timedelta(days=i) for i in range(15)]
    assert window[0] == served
    assert window[-1] == representations_window_end(served)
    assert earliest_final_plan(served) == representations_window_end(served) + timedelta(days=1)


@pytest.mark.parametrize(
    ("duty", "days"),
    [(Duty.T1, 42), (Duty.T2, 42), (Duty.T3, 112), (Duty.T4, 14), (Duty.T6, 140), (Duty.M14, 98)],
)
@given(start=DATES)
def test_statutory_deadline_dispatches_each_duty(duty, days, start):
    assert statutory_deadline(duty, start) == start + timedelta(days=days)


@given(DATES, st.integers(min_value=0, max_value=400))
def test_weeks_between_counts_calendar_days_over_7(start, days):
    assert weeks_between(start, start + timedelta(days=days)) == pytest.approx(days / 7)


# --- the London clock -------------------------------------------------------


@given(DATES)
def test_end_of_day_is_the_start_of_the_next_london_day(day):
    end = end_of_day(day)
    assert end.utcoffset() == timedelta(0)
    local = end.astimezone(LONDON)
    assert local.date() == day + timedelta(days=1)
    assert local.time() == time(0, 0)
    assert end == start_of_day(day + timedelta(days=1))


@given(DATES)
def test_last_instant_of_a_day_is_still_that_day_in_london(day):
    assert london_date(end_of_day(day) - ONE_US) == day
    assert london_date(end_of_day(day)) == day + timedelta(days=1)
    assert london_date(start_of_day(day)) == day
    assert london_date(start_of_day(day) - ONE_US) == day - timedelta(days=1)


@given(DATES)
def test_a_london_day_lasts_23_24_or_25_hours(day):
    length = end_of_day(day) - start_of_day(day)
    assert length in {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


@pytest.mark.parametrize(
    ("day", "end_utc", "hours"),
    [
        # Last Sunday of March 2024: clocks go forward, the day has 23 hours.
        (date(2024, 3, 30), datetime(2024, 3, 31, 0, 0, tzinfo=UTC), 24),
        (date(2024, 3, 31), datetime(2024, 3, 31, 23, 0, tzinfo=UTC), 23),
        # Last Sunday of October 2024: clocks go back, the day has 25 hours.
        (date(2024, 10, 26), datetime(2024, 10, 26, 23, 0, tzinfo=UTC), 24),
        (date(2024, 10, 27), datetime(2024, 10, 28, 0, 0, tzinfo=UTC), 25),
        (date(2024, 7, 1), datetime(2024, 7, 1, 23, 0, tzinfo=UTC), 24),
        (date(2024, 12, 1), datetime(2024, 12, 2, 0, 0, tzinfo=UTC), 24),
    ],
)
def test_end_of_day_across_bst_and_gmt(day, end_utc, hours):
    assert end_of_day(day) == end_utc
    assert end_of_day(day) - start_of_day(day) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2024, 1, 15), 9), (date(2024, 3, 31), 8), (date(2024, 7, 1), 8), (date(2024, 10, 27), 9)],
)
def test_at_london_time_is_wall_clock_time_in_england(day, utc_hour):
    at = at_london_time(day, 9)
    assert at == datetime.combine(day, time(utc_hour, 0), tzinfo=UTC)
    assert at.astimezone(LONDON).hour == 9
    assert london_date(at) == day


@given(st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2090, 12, 31)))
def test_london_date_lies_between_start_and_end_of_that_day(naive):
    instant = naive.replace(tzinfo=UTC)
    day = london_date(instant)
    assert start_of_day(day) <= instant < end_of_day(day)


def test_london_date_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="time zone"):
        london_date(datetime(2024, 1, 1, 12, 0))
