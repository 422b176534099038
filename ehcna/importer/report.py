"""``ehcna import --dry-run --report``: the figures a history would produce, before it goes live.

The planned cases are written, through the importer's own write path, into a scratch SQLite store,
and the KPIs are read back with the same SQL the overview uses: the report and the figures the
council will see after the import cannot disagree on a definition. A council sets the table beside
its own published figures, month by month.
"""

import csv
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, sessionmaker

from domain.kpis import K5_KIND_ORDER, Figure, Period, months_ending
from ehcna.gateway.ids import case_workflow_id
from ehcna.importer.load import LoadReport, load_closed
from ehcna.importer.plan import CasePlan, ImportPlan
from ehcna.store import kpi_queries as q
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.store.records import save_case


@dataclass(frozen=True)
class MonthFigures:
    month: Period
    k1: Figure
    k3: Figure
    k5: dict[str, Figure]
    k11: int
    k12: int
    k13: int


@dataclass(frozen=True)
class HistoryReport:
    months: list[MonthFigures]
    k5_kinds: list[str]
    by_year_and_outcome: dict[tuple[int, str], int]  # (year received, outcome or "open") -> cases


@contextmanager
def scratch_store() -> Iterator[sessionmaker[Session]]:
    with tempfile.TemporaryDirectory(prefix="ehcna-report-") as folder:
        url = f"sqlite:///{Path(folder) / 'report.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()


class HistoryReporter:
    """Takes the planned cases a chunk at a time into a scratch store; reads the figures at the end."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._outcomes: Counter[tuple[int, str]] = Counter()

    def add(self, plans: list[CasePlan]) -> None:
        load_closed(self._sessions, [p for p in plans if p.is_closed], datetime.now(UTC), LoadReport())
        _save_open(self._sessions, [p for p in plans if not p.is_closed])
        self._outcomes.update((p.case.day0.year, str(p.case.outcome or "open")) for p in plans)

    def result(self) -> HistoryReport:
        with self._sessions() as session:
            conn = session.connection()
            figures = [_month(conn, m) for m in _months(conn)]
        kinds = [k for k in K5_KIND_ORDER if any(f.k5.get(k, Figure(0, 0)).denominator for f in figures)]
        return HistoryReport(figures, kinds, dict(sorted(self._outcomes.items())))


def history_report(plan: ImportPlan) -> HistoryReport:
    """Every month from the first request to the last event, as the store would hold it."""
    with scratch_store() as sessions:
        reporter = HistoryReporter(sessions)
        reporter.add(plan.cases)
        return reporter.result()


def _save_open(sessions: sessionmaker[Session], plans: list[CasePlan]) -> None:
    """An open case as its workflow records it on the day it starts: its steps so far."""
    at = datetime.now(UTC)
    for plan in plans:
        with sessions.begin() as session:
            save_case(session, plan.case, case_workflow_id(plan.ref), len(plan.steps) + 1, at)


def _months(conn: Connection) -> list[Period]:
    c = q.cases.c
    first, last = conn.execute(select(func.min(c.day0), func.max(func.coalesce(c.outcome_on, c.day0)))).one()
    if first is None:
        return []
    first, last = _as_date(first), _as_date(last)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return months_ending(last, count)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _month(conn: Connection, month: Period) -> MonthFigures:
    plans = q.plan_figures(conn, month)
    return MonthFigures(
        month=month,
        k1=plans.k1,
        k3=q.k3_requests_decided_in_time(conn, month),
        k5=q.k5_advice_in_time(conn, month),
        k11=q.k11_requests_received(conn, month).total,
        k12=q.k12_decisions_whether_to_assess(conn, month).total,
        k13=q.k13_assessments_completed(conn, month).total,
    )


def _columns(report: HistoryReport) -> list[str]:
    return ["month", "K1", "K3", *(f"K5 {k}" for k in report.k5_kinds), "K11", "K12", "K13"]


def _cells(report: HistoryReport, m: MonthFigures, figure: Callable[[Figure], list[str]]) -> list[str]:
    k5 = [figure(m.k5.get(k, Figure(0, 0))) for k in report.k5_kinds]
    return [
        m.month.label,
        *figure(m.k1),
        *figure(m.k3),
        *(c for cells in k5 for c in cells),
        str(m.k11),
        str(m.k12),
        str(m.k13),
    ]


def write_text(report: HistoryReport, out: TextIO) -> None:
    """A table to read beside the council's own figures: each measure as 79.3% (23/29)."""
    header = _columns(report)
    rows = [_cells(report, m, lambda f: [str(f) if f.denominator else "-"]) for m in report.months]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("figures the history would produce, by month:", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)), file=out)
    print("\ncases by year received and outcome:", file=out)
    for (year, outcome), n in report.by_year_and_outcome.items():
        print(f"  {year}  {outcome:<16}{n:>8}", file=out)


def write_csv(report: HistoryReport, out: TextIO) -> None:
    """The same, for a spreadsheet: each figure as its percentage, numerator and denominator."""
    writer = csv.writer(out, lineterminator="\n")
    header = ["month"]
    for name in _columns(report)[1:-3]:
        header += [f"{name} %", f"{name} numerator", f"{name} denominator"]
    writer.writerow([*header, "K11", "K12", "K13"])

    def figure(f: Figure) -> list[str]:
        return ["" if f.percent is None else f"{f.percent:.1f}", str(f.numerator), str(f.denominator)]

    for m in report.months:
        writer.writerow(_cells(report, m, figure))
    writer.writerow([])
    writer.writerow(["year received", "outcome", "cases"])
    for (year, outcome), n in report.by_year_and_outcome.items():
        writer.writerow([year, outcome, n])
