"""Judged as forecasting.md says: against a known truth, and against its counterfactual."""

import pytest

from ehcna.forecast.outlook import backtest, make_outlook
from ehcna.forecast.scenario import parse_scenario
from ehcna.store.db import make_engine
from ehcna.store.kpi_queries import k1_by_month
from tests.databases import fresh_database
from tests.forecast.known import AS_OF, DATA_END, PROCESS, RAISED, RAISED_SCENARIO, write

RUNS = 200


def test_forecast_from_month_m_matches_the_generators_next_six_months(db):
    """Stopped at June 2025, the forecast of July-December 2025 is within 10 points of the generator's
    own K1 on average (counted by the store's KPI query), and its per-case chances beat the historic
    on-time rate given to every case."""
    write(db.engine)
    with db.engine.connect() as conn:
        bt = backtest(conn, AS_OF, DATA_END, runs=RUNS)
    assert [r.month.label for r in bt.months] == [f"2025-{m:02d}" for m in range(7, 13)]
    assert all(r.actual is not None and r.actual.denominator > 80 for r in bt.months)
    assert bt.mean_absolute_error is not None and bt.mean_absolute_error <= 10
    assert bt.brier is not None and bt.brier_baseline is not None
    assert bt.cases_scored > 500
    assert bt.brier < bt.brier_baseline
    # the EP backlog builds: truth and forecast both fall by more than 40 points over the six months
    forecast = [r.forecast.median for r in bt.months]
    actual = [r.actual.percent for r in bt.months]
    assert forecast[0] - forecast[-1] > 40 and actual[0] - actual[-1] > 40
    # the backlog (K9) at each month's end too, within a third of the truth or 5 cases
    for r in bt.months:
        assert abs(r.k9_forecast.median - r.k9_actual) <= max(5, r.k9_actual / 3), r


def test_raising_ep_capacity_moves_the_forecast_as_it_moves_the_truth(tmp_path):
    """The generator run again with the EP service at 40 a week from July (its history before then is
    the same), and the scenario saying so: the forecast rises where the truth rises, by as much."""
    (tmp_path / "raised").mkdir()
    with fresh_database("sqlite", tmp_path / "raised") as url:
        raised = make_engine(url)
        write(raised, RAISED)
        months = None
        with raised.connect() as conn:
            outlook = make_outlook(
                conn, AS_OF, DATA_END, scenario=parse_scenario([RAISED_SCENARIO]), runs=RUNS
            )
            months = [m.month for m in outlook.baseline.months]
            truth_raised = k1_by_month(conn, months)
        raised.dispose()
    (tmp_path / "base").mkdir()
    with fresh_database("sqlite", tmp_path / "base") as url:
        base = make_engine(url)
        write(base, PROCESS)
        with base.connect() as conn:
            truth_base = k1_by_month(conn, months)
        base.dispose()
    moved, truly = [], []
    for b, s in zip(outlook.baseline.months, outlook.scenario.months, strict=True):
        moved.append(s.k1.median - b.k1.median)
        truly.append(truth_raised[b.month.label].percent - truth_base[b.month.label].percent)
    # the same way, month by month, and by a comparable amount
    for f, t in zip(moved, truly, strict=True):
        assert (f > 1) == (t > 1), (moved, truly)
        assert abs(f - t) <= 15, (moved, truly)
    assert sum(moved) == pytest.approx(sum(truly), rel=0.25)
    assert sum(truly) > 100  # the change matters: over 100 points across the six months


def test_what_was_learnt_is_the_generators_process(known_store):
    engine, _ = known_store
    with engine.connect() as conn:
        outlook = make_outlook(conn, AS_OF, DATA_END, runs=20)
    cal = outlook.calibration
    assert cal.arrivals_per_week.value == pytest.approx(PROCESS.requests_per_week, rel=0.08)
    assert cal.assess.value == pytest.approx(PROCESS.p_assess, abs=0.04)
    assert cal.issue.value == pytest.approx(PROCESS.p_issue, abs=0.03)
    ep = cal.teams["ep-service"]
    assert ep.capacity == pytest.approx(27, abs=1.5)  # the cut from March 2025
    assert ep.lead_from == "the advice it returned while it had no backlog"
    assert ep.weekdays[0] == 1  # the generator's EP service returns on Mondays: so does the model's
    assert max(cal.teams["schools"].weekdays) < 0.25  # a team that returns any day
    assert all(cal.teams[t].capacity is None for t in ("schools", "icb-health", "social-care"))
    assert cal.seasonal is None  # 18 months of history: no month-of-year pattern yet
    # each figure shown with what it rests on
    rests = {row.what: row.rests_on for row in outlook.summary}
    assert rests["Requests a week"] == cal.arrivals_per_week.cases > 2000
    assert rests["ep-service: capacity"] == ep.returned > 1000


def test_two_years_of_history_give_arrivals_by_month_of_the_year(known_store):
    engine, _ = known_store
    with engine.connect() as conn:
        outlook = make_outlook(conn, DATA_END, DATA_END, runs=10, months=1)
    seasonal = outlook.calibration.seasonal
    assert seasonal is not None and set(seasonal) == set(range(1, 13))
    assert all(v == pytest.approx(PROCESS.requests_per_week, rel=0.25) for v in seasonal.values())
