"""Bad input is refused with the field and the reason; too little history says so instead of forecasting."""

from dataclasses import replace
from datetime import date

import pytest

from ehcna.forecast.calibration import TooLittleHistory
from ehcna.forecast.outlook import backtest, make_outlook
from ehcna.forecast.scenario import Refused, parse_scenario
from ehcna.store.db import make_engine
from tests.databases import fresh_database
from tests.forecast.known import AS_OF, DATA_END, PROCESS, write


def refused(engine, **kwargs) -> Refused:
    with engine.connect() as conn, pytest.raises(Refused) as err:
        make_outlook(conn, kwargs.pop("as_of", AS_OF), DATA_END, runs=20, **kwargs)
    return err.value


def test_a_scenario_naming_an_unknown_team_is_refused_with_the_teams_known(known_store):
    engine, _ = known_store
    err = refused(engine, scenario=parse_scenario(["ep-servise=+10/week"]))
    assert err.field == "scenario"
    assert "'ep-servise' is not a provider team" in err.reason and "ep-service" in err.reason


def test_a_negative_capacity_is_refused(known_store):
    engine, _ = known_store
    err = refused(engine, scenario=parse_scenario(["ep-service=-30/week"]))
    assert (err.field, "negative capacity") == ("scenario", err.reason[-17:])
    with pytest.raises(Refused, match="a capacity is"):
        parse_scenario(["ep-service=-5"])  # not a capacity a week at all
    # a cut that leaves some capacity is a scenario like any other
    with engine.connect() as conn:
        cut = make_outlook(conn, AS_OF, DATA_END, runs=20, scenario=parse_scenario(["ep-service=-5/week"]))
    assert cut.scenario is not None


@pytest.mark.parametrize("months", [0, 25, -1])
def test_a_horizon_of_0_or_over_24_months_is_refused(known_store, months):
    engine, _ = known_store
    err = refused(engine, months=months)
    assert err.field == "months" and "1 to 24 months" in err.reason


def test_an_as_of_date_in_the_future_or_before_any_history_is_refused(known_store):
    engine, _ = known_store
    future = refused(engine, as_of=date(2026, 2, 1))  # DATA_END is "today"
    assert future.field == "as_of" and "in the future" in future.reason
    before = refused(engine, as_of=date(2023, 12, 31))
    assert before.field == "as_of" and "no request received on or before 31 December 2023" in before.reason
    with engine.connect() as conn, pytest.raises(Refused) as err:
        backtest(conn, date(2030, 1, 1), DATA_END, runs=20)
    assert err.value.field == "as_of"


@pytest.mark.parametrize(
    "text",
    [
        "ep-team",  # no value
        "ep-service=lots",
        "demand=x0",
        "demand=-100%",
        "officers=fast",
        "demand=+10%@2025-01-01",
        "ep-service=+3/week@2025-13-01",
        "ep-service=+3/week@2025-09-01..2025-08-01",
        "EP SERVICE!=+3/week",
    ],
)
def test_scenarios_that_do_not_read_are_refused_with_the_reason(text):
    with pytest.raises(Refused) as err:
        parse_scenario([text])
    assert err.value.field == "scenario" and err.value.reason
    assert text not in err.value.reason  # the reason says what is wrong, not what was typed


def test_scenarios_that_read(text="ep-service=+10/week@2025-07-01..2025-09-30, demand=+20%, officers=x1.1"):
    s = parse_scenario([text])
    team = s.teams[0]
    assert (team.delta, team.start, team.end) == (10, date(2025, 7, 1), date(2025, 9, 30))
    assert s.demand_factor == pytest.approx(1.2) and s.officers == pytest.approx(1.1)
    assert s.words() == [
        "ep-service: capacity +10 a week from 1 July 2025 to 30 September 2025",
        "requests: +20%",
        "officers' capacity: +10%",
    ]
    assert parse_scenario(["demand=50/week"]).demand_rate == 50


def test_a_store_with_too_little_history_says_so_instead_of_forecasting(tmp_path):
    short = replace(PROCESS, end=date(2024, 2, 20))  # seven weeks: requests, no plan yet
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        write(engine, short)
        with engine.connect() as conn, pytest.raises(TooLittleHistory) as err:
            make_outlook(conn, short.end, short.end, runs=20)
        engine.dispose()
    message = str(err.value)
    assert message.startswith("too little history to forecast from")
    assert "0 final plans issued (at least 10)" in message
