"""``ehcna import --dry-run --report``: the figures a history would produce, worked out by hand."""

import csv
import io
from datetime import date

from tests.importer.cli import run_import
from tests.importer.rows import advice_rows, case_row, plan_issued, write_csv

# Day 0 of every case is in January 2025, so each figure below lands in a month we can name.
JAN6, JAN13, JAN20 = date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20)


def history(tmp_path):
    cases = [
        # A: received 6 Jan; assessed 5 Feb (day 30); plan 26 May (day 140): in time, K1 May 1/1
        plan_issued("A", JAN6, plan_day=140),
        # B: received 13 Jan; assessed 12 Feb (day 30); plan 3 June (day 141): late, K1 June 0/1
        plan_issued("B", JAN13, plan_day=141),
        # C: received 20 Jan, a school's request; refused on 4 March (day 43): K3 March 0/1
        case_row(
            "C",
            JAN20,
            request_source="SCHOOL",
            decision_to_assess="no",
            decision_to_assess_date=date(2025, 3, 4),
            appeal_information_given="yes",
            outcome="NOT_ASSESSED",
            outcome_date=date(2025, 3, 4),
        ),
    ]
    # advice for A and B asked on day 31 and returned on day 60: A's on 7 March, B's on 14 March,
    # all within 6 weeks (due day 73): K5 March 2/2 for each body; B's health advice instead on
    # day 74 (28 March): late, K5 HEALTH March 1/2
    advice = advice_rows("A", date(2025, 2, 6), date(2025, 3, 7)) + advice_rows(
        "B", date(2025, 2, 13), date(2025, 3, 14)
    )
    for row in advice:
        if row["ref"] == "B" and row["kind"] == "HEALTH":
            row["returned_date"] = date(2025, 3, 28)
    return write_csv(tmp_path / "cases.csv", cases), write_csv(tmp_path / "advice.csv", advice)


async def test_dry_run_report_gives_each_month_of_the_history(tmp_path):
    cases_csv, advice_csv = history(tmp_path)
    run = await run_import(
        cases_csv, "--advice", advice_csv, "--dry-run", "--report", "--report-format", "csv"
    )
    assert run.status == 0, run.err
    table = list(csv.reader(io.StringIO(run.out.split("\n\n", 1)[1])))
    header = table[0]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in table[1:] if r and r[0].startswith("2025-")}
    assert list(rows) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    # K11: three requests in January; K12: A and B decided in February, C in March
    assert [rows[m]["K11"] for m in rows] == ["3", "0", "0", "0", "0", "0"]
    assert [rows[m]["K12"] for m in rows] == ["0", "2", "1", "0", "0", "0"]
    # A's and B's decisions were on day 30: in time (K3 February 2/2); C's on day 43: late
    assert (rows["2025-02"]["K3 numerator"], rows["2025-02"]["K3 denominator"]) == ("2", "2")
    assert (rows["2025-03"]["K3 %"], rows["2025-03"]["K3 numerator"], rows["2025-03"]["K3 denominator"]) == (
        "0.0",
        "0",
        "1",
    )
    assert (rows["2025-03"]["K5 HEALTH %"], rows["2025-03"]["K5 HEALTH denominator"]) == ("50.0", "2")
    assert (rows["2025-03"]["K5 EP %"], rows["2025-03"]["K5 EP denominator"]) == ("100.0", "2")
    # K13: both assessments completed (decisions to issue on day 80: 27 March and 3 April)
    assert (rows["2025-03"]["K13"], rows["2025-04"]["K13"]) == ("1", "1")
    assert (rows["2025-05"]["K1 %"], rows["2025-05"]["K1 denominator"]) == ("100.0", "1")
    assert (rows["2025-06"]["K1 %"], rows["2025-06"]["K1 denominator"]) == ("0.0", "1")
    assert ["2025", "NOT_ASSESSED", "1"] in table and ["2025", "PLAN_ISSUED", "2"] in table


async def test_the_text_report_shows_figures_as_councils_write_them(tmp_path):
    cases_csv, advice_csv = history(tmp_path)
    run = await run_import(cases_csv, "--advice", advice_csv, "--dry-run", "--report")
    assert run.status == 0, run.err
    june = next(line for line in run.out.splitlines() if line.startswith("2025-06"))
    assert june.split()[1:3] == ["0.0%", "(0/1)"]
    assert "cases by year received and outcome" in run.out


async def test_report_without_dry_run_is_refused_before_anything_is_written(tmp_path):
    cases_csv, advice_csv = history(tmp_path)
    run = await run_import(cases_csv, "--advice", advice_csv, "--report")
    assert run.status == 2 and "--report goes with --dry-run" in run.err
