"""The KPI exports (JSON shape, CSV rows) and the per-case SEN2 extract."""

import csv
import io
import json
from datetime import UTC, date, datetime

from domain.appeals import Disputed, RecordAppeal, Route
from domain.case import RequestSource
from domain.kpis import Period
from ehcna.reports.exports import (
    K1_MONTHLY_HEADER,
    KPI_CSV_HEADER,
    SEN2_FIELDS,
    kpis_json,
    write_k1_monthly_csv,
    write_kpis_csv,
    write_sen2_csv,
)
from ehcna.reports.overview import build_overview
from ehcna.store.appeals import record_appeal
from tests.kpis.cohort import OFFICER, CaseBuilder, no_plan, overview_cohort, plan_issued, save_all

TODAY = date(2026, 11, 20)


def overview(db):
    overview_cohort(db)
    with db.engine.connect() as conn:
        return build_overview(conn, Period.month(2026, 10), TODAY)


def test_kpis_json_shape(db):
    data = json.loads(json.dumps(kpis_json(overview(db))))  # plain JSON types only
    assert set(data) == {"period", "previous", "year_ago", "measures", "k1_by_month"}
    assert data["period"] == {
        "kind": "month",
        "label": "2026-10",
        "start": "2026-10-01",
        "end": "2026-10-31",
        "open_cases_counted_on": "2026-10-31",
    }
    k1 = data["measures"][0]
    assert k1 == {
        "id": "K1",
        "title": "EHC plans issued within 20 weeks, excluding exceptions",
        "unit": "percent",
        "higher_is_better": True,
        "latest": {"numerator": 2, "denominator": 3, "percent": 66.7, "text": "66.7% (2/3)"},
        "previous": {"numerator": 1, "denominator": 2, "percent": 50.0, "text": "50.0% (1/2)"},
        "change": 16.7,
        "year_ago": {"numerator": 1, "denominator": 4, "percent": 25.0, "text": "25.0% (1/4)"},
        "change_year": 41.7,
        "trend": "up",
        "improving": True,
    }
    k9 = next(m for m in data["measures"] if m["id"] == "K9")
    assert (k9["latest"], k9["previous"], k9["change"], k9["improving"]) == (2, 1, 1, False)
    assert len(data["k1_by_month"]) == 24
    assert data["k1_by_month"][0]["national"]["percent"] == 46.4
    assert data["k1_by_month"][-1]["national"] is None


def test_kpis_csv_one_line_per_measure_with_the_three_periods(db):
    out = io.StringIO()
    write_kpis_csv(overview(db), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == KPI_CSV_HEADER
    assert rows[1] == [
        "K1",
        "EHC plans issued within 20 weeks, excluding exceptions",
        "percent",
        "2026-10",
        "66.7",
        "2",
        "3",
        "2026-09",
        "50.0",
        "1",
        "2",
        "16.7",
        "2025-10",
        "25.0",
        "1",
        "4",
        "41.7",
        "up",
    ]
    k9 = next(r for r in rows if r[0] == "K9")
    assert k9[3:7] == ["2026-10", "2", "", ""]  # a count: no numerator or denominator


def test_k1_monthly_csv(db):
    out = io.StringIO()
    write_k1_monthly_csv(overview(db), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == K1_MONTHLY_HEADER
    assert rows[1] == ["2024-11", "", "0", "0", "46.4"]
    assert rows[-1] == ["2026-10", "66.7", "2", "3", ""]


def sen2_cohort(db) -> None:
    save_all(
        db,
        plan_issued("PLAN", date(2026, 10, 14), 140, exception=True),  # day 0 2026-05-27
        no_plan("NOPLAN", date(2026, 10, 10), 90),  # day 0 2026-07-12
        CaseBuilder("TRANS", date(2026, 8, 1)).assess(10).transfer_out(date(2026, 9, 1)),
        CaseBuilder("NA", date(2026, 9, 1), source=RequestSource.SCHOOL).assess(30, yes=False),
        CaseBuilder("WD", date(2026, 9, 10)).withdraw(date(2026, 9, 20)),
        CaseBuilder("PEND", date(2026, 10, 1), source=RequestSource.HEALTH),
    )
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with db.sessions.begin() as s:
        for ref, route, disputes, on in (
            ("NA", Route.MEDIATION, Disputed.REQUEST, date(2026, 10, 20)),
            ("NOPLAN", Route.MEDIATION, Disputed.ASSESSMENT, date(2026, 10, 20)),
            ("NOPLAN", Route.TRIBUNAL, Disputed.ASSESSMENT, date(2026, 10, 30)),
        ):
            cmd = RecordAppeal(route=route, disputes=disputes, started_on=on, by=OFFICER)
            record_appeal(s, ref, cmd, TODAY, at)


BLANK_ASSESSMENT = ("", "", "", "", "", "", "", "")
SEN2_EXPECTED = [
    SEN2_FIELDS,
    # plan issued on day 140 with a 20-week exception: Week20 = 1; the assessment's outcome date and
    # StartDate are the plan's issue date (DfE: "Date on which EHC plan was issued")
    [
        *("2026-05-27", "1", "2026-06-16", "Y", "0", "0", "0"),
        *("Y", "2026-10-14", "0", "0", "0", "0", "1", "2026-10-14", "0"),
    ],
    # assessed, no plan; mediation and tribunal after the refusal
    [
        *("2026-07-12", "1", "2026-08-01", "Y", "0", "0", "0"),
        *("N", "2026-10-10", "1", "1", "0", "0", "0", "", "0"),
    ],
    # moved away during the assessment: Exported = 1, the assessment W
    [
        *("2026-08-01", "1", "2026-08-11", "Y", "0", "0", "1"),
        *("W", "", "0", "0", "0", "0", "0", "", "0"),
    ],
    # a school's request, refused; mediation asked: no assessment fields
    ["2026-09-01", "2", "2026-10-01", "N", "1", "0", "0", *BLANK_ASSESSMENT, "0"],
    # withdrawn before the decision: W, no date (DfE: no date is required)
    ["2026-09-10", "1", "", "W", "0", "0", "0", *BLANK_ASSESSMENT, "0"],
    # undecided, a health service's request: A
    ["2026-10-01", "3", "", "A", "0", "0", "0", *BLANK_ASSESSMENT, "0"],
]


def test_sen2_extract_one_row_per_request(db, tmp_path):
    sen2_cohort(db)
    path = tmp_path / "sen2.csv"
    with db.engine.connect() as conn, path.open("w", newline="") as out:
        assert write_sen2_csv(conn, out) == 6
    with path.open(newline="") as f:
        assert list(csv.reader(f)) == SEN2_EXPECTED


def test_sen2_extract_streams_in_batches_and_filters_on_received_date(db):
    sen2_cohort(db)
    out = io.StringIO()
    with db.engine.connect() as conn:
        assert write_sen2_csv(conn, out, batch=2) == 6  # three fetches of two rows
    assert list(csv.reader(io.StringIO(out.getvalue()))) == SEN2_EXPECTED

    september = Period.between(date(2026, 9, 1), date(2026, 9, 30))
    out = io.StringIO()
    with db.engine.connect() as conn:
        assert write_sen2_csv(conn, out, received=september, with_ref=True) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["CaseRef", *SEN2_FIELDS]
    assert [r[0] for r in rows[1:]] == ["NA", "WD"]
