"""The KPIs as JSON (for other systems) and CSV (for spreadsheets), and the per-case SEN2 extract."""

import csv
import json
from datetime import date
from typing import Any, TextIO

from sqlalchemy import Connection, Row, select

from domain.appeals import Disputed, Route
from domain.case import Outcome
from domain.kpis import Figure, Period, Value
from ehcna.reports.overview import Overview, OverviewRow
from ehcna.reports.sen2 import REQUEST_SOURCE, assessment_outcome, request_outcome
from ehcna.store.appeals import sen2_flag
from ehcna.store.kpi_queries import PeriodFigures, cases

# ---------------------------------------------------------------- KPIs


def _value_json(value: Value) -> Any:
    if isinstance(value, Figure):
        return {
            "numerator": value.numerator,
            "denominator": value.denominator,
            "percent": value.percent,
            "text": str(value),
        }
    return value


def _period_json(figures: PeriodFigures) -> dict[str, Any]:
    p = figures.period
    return {
        "kind": str(p.kind),
        "label": p.label,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "open_cases_counted_on": figures.as_of.isoformat(),
    }


def _row_json(row: OverviewRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "unit": str(row.unit),
        "higher_is_better": row.higher_is_better,
        "latest": _value_json(row.latest),
        "previous": _value_json(row.previous),
        "change": row.change,
        "year_ago": _value_json(row.year_ago),
        "change_year": row.change_year,
        "trend": str(row.trend),
        "improving": row.improving,
    }


def kpis_json(overview: Overview) -> dict[str, Any]:
    """The overview as plain JSON data; changes of figures are in percentage points."""
    return {
        "period": _period_json(overview.latest),
        "previous": _period_json(overview.previous),
        "year_ago": _period_json(overview.year_ago),
        "measures": [_row_json(row) for row in overview.rows],
        "k1_by_month": [
            {
                "month": point.month.label,
                "k1": _value_json(point.k1),
                "national": _value_json(point.national) if point.national else None,
            }
            for point in overview.k1_by_month
        ],
    }


def write_kpis_json(overview: Overview, out: TextIO) -> None:
    json.dump(kpis_json(overview), out, indent=2, ensure_ascii=False)
    out.write("\n")


KPI_CSV_HEADER = [
    "measure",
    "title",
    "unit",
    "period",
    "value",
    "numerator",
    "denominator",
    "previous_period",
    "previous_value",
    "previous_numerator",
    "previous_denominator",
    "change",
    "year_ago_period",
    "year_ago_value",
    "year_ago_numerator",
    "year_ago_denominator",
    "change_year",
    "trend",
]


def _value_cells(value: Value) -> list[Any]:
    """value, numerator, denominator: a figure's value is its percentage (blank for 0/0)."""
    if isinstance(value, Figure):
        return [_blank(value.percent), value.numerator, value.denominator]
    return [_blank(value), "", ""]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def write_kpis_csv(overview: Overview, out: TextIO) -> None:
    """One line per overview row, the three periods side by side."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KPI_CSV_HEADER)
    labels = (overview.latest.period.label, overview.previous.period.label, overview.year_ago.period.label)
    for row in overview.rows:
        writer.writerow(
            [
                *(row.id, row.title, str(row.unit), labels[0], *_value_cells(row.latest)),
                *(labels[1], *_value_cells(row.previous), _blank(row.change)),
                *(labels[2], *_value_cells(row.year_ago), _blank(row.change_year), str(row.trend)),
            ]
        )


K1_MONTHLY_HEADER = ["month", "k1_percent", "numerator", "denominator", "national_percent"]


def write_k1_monthly_csv(overview: Overview, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(K1_MONTHLY_HEADER)
    for point in overview.k1_by_month:
        national = point.national.percent if point.national else None
        writer.writerow([point.month.label, *_value_cells(point.k1), _blank(national)])


# ---------------------------------------------------------------- SEN2 extract

SEN2_FIELDS = [
    "ReceivedDate",
    "RequestSource",
    "RequestOutcomeDate",
    "RequestOutcome",
    "RequestMediation",
    "RequestTribunal",
    "Exported",
    "AssessmentOutcome",
    "AssessmentOutcomeDate",
    "AssessmentMediation",
    "AssessmentTribunal",
    "OtherMediation",
    "OtherTribunal",
    "Week20",
    "StartDate",
    "Week20Legacy",  # not a DfE item: 1 when Week20 = 1 came from an earlier system without its dates
]

_SEN2_COLUMNS = [
    cases.c[name]
    for name in (
        "ref",
        "day0",
        "request_source",
        "decided_to_assess",
        "decision_to_assess_on",
        "decided_to_issue",
        "decision_to_issue_on",
        "final_plan_on",
        "outcome",
        "outcome_on",
        "week20_exception",
        "week20_legacy",
    )
] + [sen2_flag(cases.c.ref, route, disputes) for route in Route for disputes in Disputed]

TO_DATE = Period.between(date.min, date.max)  # the extract is every request as it stands now: no H


def _flag(value: bool | None) -> str:
    return "1" if value else "0"


def sen2_row(r: Row[Any]) -> list[str]:
    """One request's SEN2 fields with DfE's codes (docs/sen2.md): outcomes Y, N, A (not yet decided)
    or W (withdrawn or moved away first); the assessment fields only when the council assessed."""
    outcome, outcome_on = request_outcome(r, TO_DATE)
    assessment = [""] * 8
    if outcome == "Y":
        a_outcome, a_on = assessment_outcome(r, TO_DATE)
        assessment = [
            a_outcome,
            a_on,
            _flag(r.assessment_mediation),
            _flag(r.assessment_tribunal),
            _flag(r.other_mediation),
            _flag(r.other_tribunal),
            _flag(r.week20_exception),
            r.final_plan_on.isoformat() if r.final_plan_on else "",
        ]
    return [
        r.day0.isoformat(),
        REQUEST_SOURCE.get(r.request_source, ""),
        outcome_on,
        outcome,
        _flag(r.request_mediation),
        _flag(r.request_tribunal),
        _flag(r.outcome == str(Outcome.TRANSFERRED_OUT)),
        *assessment,
        _flag(r.week20_legacy),
    ]


def write_sen2_csv(
    conn: Connection,
    out: TextIO,
    received: Period | None = None,
    with_ref: bool = False,
    batch: int = 2_000,
) -> int:
    """Write one line per request (optionally those received in ``received``); return the count.

    Rows are streamed from the database in batches (a server-side cursor on
    PostgreSQL), so the extract never holds the whole table in memory.
    """
    stmt = select(*_SEN2_COLUMNS).order_by(cases.c.day0, cases.c.ref)
    if received is not None:
        stmt = stmt.where(cases.c.day0.between(received.start, received.end))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((["CaseRef"] if with_ref else []) + SEN2_FIELDS)
    count = 0
    for r in conn.execution_options(yield_per=batch).execute(stmt):
        writer.writerow(([r.ref] if with_ref else []) + sen2_row(r))
        count += 1
    return count
