"""Reading the import files: each bad cell or row reported on its physical line."""

from datetime import date
from pathlib import Path

from domain.case import AdviceStatus, Outcome, RequestSource
from ehcna.importer.csv_format import (
    STATUS_DATES,
    AdviceLine,
    CaseLine,
    ExceptionLine,
    RowError,
    columns_of,
    read_advice,
    read_cases,
)

ROOT = Path(__file__).resolve().parents[2]
HEADER = "ref,received_date,request_source,team,year_group,decision_to_assess,decision_to_assess_date"


def write(tmp_path: Path, text: str, name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rows_become_typed_values(tmp_path):
    path = write(tmp_path, f"\ufeff{HEADER}\nEH-1, 2026-01-05 ,parent,north,5,YES,2026-02-01\n")
    parsed = read_cases(path)
    assert parsed.errors == []
    (row,) = parsed.rows
    assert (row.line, row.ref, row.received_date, row.request_source) == (
        2,
        "EH-1",
        date(2026, 1, 5),
        RequestSource.PARENT,
    )
    assert (row.year_group, row.decision_to_assess, row.decision_to_issue) == (5, True, None)


def test_each_bad_cell_is_reported_with_its_line_and_column(tmp_path):
    text = (
        f"{HEADER}\n"
        "EH-1,2026-01-05,PARENT,north,5,,\n"
        "\n"  # a blank line still counts
        'EH-2,05/01/2026,"MUM",north,five,,\n'
        '"EH-3\nspans two lines",2026-02-30,PARENT,north,,maybe,\n'
        "EH-4,2026-01-05,PARENT,,,yes,\n"
    )
    parsed = read_cases(write(tmp_path, text))
    assert [r.ref for r in parsed.rows] == ["EH-1"]
    assert [str(e) for e in parsed.errors] == [
        "cases.csv line 4 [received_date]: '05/01/2026' is not a date written YYYY-MM-DD",
        "cases.csv line 4 [request_source]: 'MUM' is not one of "
        "PARENT, YOUNG_PERSON, SCHOOL, HEALTH, OTHER, UNKNOWN",
        "cases.csv line 4 [year_group]: year group 'five' is not one SEN2 counts: "
        "use N1, N2, R or 1 to 14 (or a number from -3 to 0 for the early years)",
        "cases.csv line 5 [decision_to_assess]: 'maybe' is not yes or no",
        "cases.csv line 5 [received_date]: '2026-02-30' is not a real date",
        "cases.csv line 7 [team]: a value is required",
    ]


def test_columns_that_go_together(tmp_path):
    text = (
        "ref,received_date,request_source,team,decision_to_assess,decision_to_assess_date,outcome,"
        "outcome_date,week20_exception_code,exception_start,request_mediation\n"
        "A,2026-01-05,PARENT,north,yes,,,,,,\n"
        "B,2026-01-05,PARENT,north,,2026-02-01,WITHDRAWN,,,,\n"
        "C,2026-01-05,PARENT,north,,,,,A-PERS,,\n"
        "D,2026-01-05,PARENT,north,,,,,,2026-02-01,yes\n"
    )
    parsed = read_cases(write(tmp_path, text))
    assert parsed.rows == []
    assert [(e.line, e.column) for e in parsed.errors] == [
        (2, "decision_to_assess_date"),
        (3, "decision_to_assess"),
        (3, "outcome_date"),
        (4, "week20_exception_code"),
        (5, "exception_start"),
        (5, "request_mediation"),
    ]
    assert "give it in advice.csv" in parsed.errors[3].reason


def test_a_bad_header_refuses_every_row(tmp_path):
    text = "ref,recieved_date,team,team\nEH-1,2026-01-05,north,north\n"
    parsed = read_cases(write(tmp_path, text))
    assert parsed.rows == []
    assert {(e.line, e.column, e.reason) for e in parsed.errors} == {
        (1, "recieved_date", "unknown column"),
        (1, "team", "column appears twice"),
        (1, "received_date", "required column is missing"),
        (1, "request_source", "required column is missing"),
    }


def test_an_empty_or_unreadable_file(tmp_path):
    assert read_cases(write(tmp_path, "")).errors[0].reason.startswith("the file is empty")
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\nEH-1,2026-01-05,PARENT,north,,,\nEH-\xe9,2026-01-05,PARENT,,,,\n".encode("latin-1")
    )
    assert [(e.line, e.reason) for e in read_cases(path).errors] == [
        (3, "not UTF-8 text: save the file as CSV UTF-8")
    ]
    path.write_text(f'{HEADER}\nEH-1,2026-01-05,PARENT,north,,,\nEH-2,"2026-01-05,PARENT\n\nEH-3\n')
    (error,) = read_cases(path).errors
    assert (error.line, error.reason) == (
        3,
        "not readable as CSV (unexpected end of data); this row and the rest of the file are not read",
    )


def test_advice_status_decides_which_dates_it_has(tmp_path):
    text = (
        "ref,kind,provider_team,requested_date,status,returned_date,not_received_date,"
        "existing_advice_date,document_ref,exception_code\n"
        "EH-1,HEALTH,icb,2026-02-01,RECEIVED,2026-03-01,,,DOC-1,\n"
        "EH-1,EP,ep,2026-02-01,RECEIVED,,,,,\n"
        "EH-1,EDUCATION,school,2026-02-01,REQUESTED,2026-03-01,,,,\n"
        "EH-1,SOCIAL_CARE,sc,2026-02-01,EXISTING_USED,,,,,\n"
        "EH-1,PARENT,family,2026-02-01,CANCELLED,,,,,\n"
        "EH-1,OTHER,salt,2026-02-01,NOT_RECEIVED,,2026-04-01,,,E-PERS\n"
    )
    parsed = read_advice(write(tmp_path, text, "advice.csv"))
    assert [(r.line, r.status) for r in parsed.rows] == [(2, AdviceStatus.RECEIVED)]
    assert [(e.line, e.column) for e in parsed.errors] == [
        (3, "document_ref"),
        (3, "returned_date"),
        (4, "returned_date"),
        (5, "existing_advice_date"),
        (6, "status"),
        (7, "exception_code"),
    ]
    assert parsed.errors[4].reason == (
        "'CANCELLED' is not one of REQUESTED, RECEIVED, NOT_RECEIVED, EXISTING_USED, WITHDRAWN"
    )


def test_the_documented_columns_are_the_columns_read():
    doc = (ROOT / "docs" / "import-format.md").read_text()
    for model in (CaseLine, AdviceLine, ExceptionLine):
        required, optional = columns_of(model)
        for column in required + optional:
            assert f"`{column}`" in doc, column
    for value in [*Outcome, *STATUS_DATES, *RequestSource]:
        assert f"`{value}`" in doc, value


def test_row_error_reads_as_file_line_column_reason():
    assert str(RowError("cases.csv", 7, "outcome", "why")) == "cases.csv line 7 [outcome]: why"
    assert str(RowError("cases.csv", 1, None, "why")) == "cases.csv line 1: why"


def test_year_groups_from_nursery_to_year_14_as_SEN2_counts_them(tmp_path):
    """N1, N2 and R (nursery 1 and 2, reception) read as -2, -1 and 0, in any case; years 1 to 14 as
    themselves; anything else is refused with the values SEN2 counts, on its line and column."""
    accepted = {"N1": -2, "n2": -1, "R": 0, "r": 0, **{str(n): n for n in range(1, 15)}}
    refused = ["15", "-4", "Y5", "N3", "five", "4.5"]
    rows = [f"EH-{i},2026-01-05,PARENT,north,{value},," for i, value in enumerate([*accepted, *refused])]
    parsed = read_cases(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    assert [r.year_group for r in parsed.rows] == list(accepted.values())
    first_bad = 2 + len(accepted)  # the header is line 1
    assert [str(e) for e in parsed.errors] == [
        f"cases.csv line {line} [year_group]: year group '{value}' is not one SEN2 counts: "
        "use N1, N2, R or 1 to 14 (or a number from -3 to 0 for the early years)"
        for line, value in enumerate(refused, start=first_bad)
    ]
