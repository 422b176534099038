"""The known truth: a history from ``ehcna.forecast.synthetic`` (EP capacity 38 a week, cut to 27 from
March 2025, against about 33 EP requests a week from 44 requests), written to a store."""

from dataclasses import replace
from datetime import date
from functools import cache

from sqlalchemy import Engine

from ehcna.forecast.synthetic import Process, simulate_history, write_history

PROCESS = Process()  # 1 January 2024 to 31 January 2026
AS_OF = date(2025, 6, 30)  # month M: the forecast is of July to December 2025
DATA_END = PROCESS.end
# the counterfactual: the EP service back to 40 a week from July 2025, in the generator and the scenario
RAISED = replace(PROCESS, ep_capacity=(*PROCESS.ep_capacity, (date(2025, 7, 1), 40.0)))
RAISED_SCENARIO = "ep-service=40/week@2025-07-01"


@cache
def _cases(process: Process) -> list:
    return simulate_history(process)


def write(engine: Engine, process: Process = PROCESS) -> None:
    with engine.begin() as conn:
        write_history(conn, _cases(process), process.end)
