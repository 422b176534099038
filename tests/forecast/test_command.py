"""``ehcna forecast``, through ``cli.main``: the outlook, the backtest, JSON and CSV, bad input."""

import csv
import json
from dataclasses import replace
from datetime import date

import pytest

from ehcna import cli
from ehcna.store.db import make_engine
from tests.databases import fresh_database
from tests.forecast.known import PROCESS, write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        cli.main(list(argv))
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_forecast_with_a_scenario_as_a_table_json_and_csv(known_store, capsys):
    _, url = known_store
    base = ("forecast", "--as-of", "2025-06-30", "--runs", "50", "--database-url", url)
    code, out, err = run(capsys, *base, "--scenario", "ep-service=+10/week")
    assert code == 0
    assert "forecast: 100/100 runs" in err  # progress, on standard error
    assert "Outlook from 30 June 2025" in out and "ep-service: capacity" in out
    assert "K1 with the scenario" in out and "Scenario: ep-service: capacity +10 a week" in out
    assert "cases waiting for an officer" in out
    code, out, _ = run(capsys, *base, "--months", "3", "--format", "json")
    data = json.loads(out)
    assert [m["month"] for m in data["baseline"]["months"]] == ["2025-07", "2025-08", "2025-09"]
    assert data["scenario"] is None
    assert data["teams"]["ep-service"]["capacity_per_week"] == pytest.approx(27, abs=2)
    case = data["baseline"]["cases"][0]
    assert set(case) >= {"ref", "p_plan_within_20_weeks", "p_past_20_weeks", "issue_date"}
    code, out, _ = run(capsys, *base, "--months", "2", "--format", "csv")
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["forecast", "month", "measure", "median", "low", "high"]
    assert ["baseline", "2025-07", "K1"] == rows[1][:3]


def test_backtest_reports_the_errors(known_store, capsys):
    _, url = known_store
    args = ("forecast", "--as-of", "2025-06-30", "--backtest", "--runs", "50", "--database-url", url)
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "K1 mean absolute error" in out and "Brier score" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scenario", "nobody=+1/week"), "--scenario: 'nobody' is not a provider team"),
        (("--scenario", "ep-service=-99/week"), "would be a negative capacity"),
        (("--months", "0"), "--months: the forecast looks 1 to 24 months ahead"),
        (("--months", "25"), "--months: the forecast looks 1 to 24 months ahead"),
        (("--as-of", "2099-01-01"), "--as-of: 1 January 2099 is in the future"),
        (("--as-of", "2020-01-01"), "--as-of: the store holds no request received on or before"),
        (("--as-of", "30/06/2025"), "--as-of: a date is YYYY-MM-DD"),
        (("--runs", "1"), "--runs: between 10 and 5000 runs"),
    ],
)
def test_bad_input_names_the_option_and_exits_2(known_store, capsys, args, message):
    _, url = known_store
    err = refused(capsys, "forecast", "--as-of", "2025-06-30", "--database-url", url, *args)
    assert message in err


def test_too_little_history_exits_3_and_says_what_is_missing(tmp_path, capsys):
    short = replace(PROCESS, end=date(2024, 2, 20))  # seven weeks of requests, no plan yet
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        write(engine, short)
        engine.dispose()
        code, out, err = run(capsys, "forecast", "--as-of", "2024-02-20", "--database-url", url)
    assert (code, out) == (3, "")
    assert "too little history to forecast from" in err and "0 final plans issued" in err
