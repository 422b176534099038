"""The outlook as JSON: ``GET /api/outlook`` and ``GET /api/outlook/backtest``, for managers and the head of
service (anyone else: 403, audited). Bad input is 422 with the field and the reason (audited, without the
values given); a store with too little history is 422 on ``history``, saying what it lacks."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query

from domain.commands import Actor
from ehcna.forecast.calibration import TooLittleHistory
from ehcna.forecast.outlook import (
    DEFAULT_MONTHS,
    DEFAULT_RUNS,
    DEFAULT_SEED,
    DEFAULT_WINDOW,
    backtest,
    backtest_json,
    make_outlook,
    outlook_json,
    parse_as_of,
)
from ehcna.forecast.scenario import Refused, parse_scenario
from ehcna.web import queries
from ehcna.web.security import MANAGERS, refuse, require, services
from ehcna.web.services import Services

router = APIRouter(prefix="/api", tags=["outlook"])
manager = require(MANAGERS, "the outlook")


def _as_of(text: str | None, today: date) -> date:
    return parse_as_of(text) if text else today


@router.get("/outlook")
def outlook(
    months: int = Query(DEFAULT_MONTHS, description="months ahead, 1 to 24"),
    scenario: list[str] = Query(
        [],
        description="changes, e.g. ep-service=+10/week, ep-service=38/week@2026-07-01..2026-09-30, "
        "demand=+20%, officers=+10%",
    ),
    as_of: str | None = Query(None, description="forecast from what the store held at the end of this date"),
    runs: int = Query(DEFAULT_RUNS, description="Monte Carlo runs, 10 to 5000"),
    seed: int = Query(DEFAULT_SEED, description="the same seed gives the same figures"),
    window: int = Query(DEFAULT_WINDOW, description="months of history to learn from, 3 to 36"),
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Any:
    """K1, K5 and K9 for each month ahead with their 80% range, each open case's chance of a final plan
    within 20 weeks and likely issue date, each provider team's queue, what was learnt; with a scenario,
    its forecast beside the baseline and the difference."""
    today = queries.today()
    try:
        changes = parse_scenario(scenario)
        with queries.reader(svc) as conn:
            made = make_outlook(
                conn,
                _as_of(as_of, today),
                today,
                months=months,
                scenario=changes,
                runs=runs,
                seed=seed,
                window_months=window,
            )
    except Refused as err:
        refuse(svc, actor, err.field, err.reason)
    except TooLittleHistory as err:
        refuse(svc, actor, "history", str(err))
    return outlook_json(made)


@router.get("/outlook/backtest")
def outlook_backtest(
    as_of: str = Query(..., description="the past date the forecast is made from, YYYY-MM-DD"),
    months: int = Query(DEFAULT_MONTHS),
    runs: int = Query(DEFAULT_RUNS),
    seed: int = Query(DEFAULT_SEED),
    window: int = Query(DEFAULT_WINDOW),
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Any:
    """The forecast as of a past date set against what then happened: the K1 error per month, the mean
    absolute error, and the Brier score of the per-case chances against the historic rate's."""
    today = queries.today()
    try:
        with queries.reader(svc) as conn:
            result = backtest(
                conn, _as_of(as_of, today), today, months=months, runs=runs, seed=seed, window_months=window
            )
    except Refused as err:
        refuse(svc, actor, err.field, err.reason)
    except TooLittleHistory as err:
        refuse(svc, actor, "history", str(err))
    return backtest_json(result)
