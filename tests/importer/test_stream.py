"""Files of any size: the streaming reader plans exactly what the in-memory one does, chunk by chunk."""

from datetime import date
from pathlib import Path

from ehcna.importer import stream
from ehcna.importer.command import read_and_plan
from tests.importer.rows import advice_rows, case_row, plan_issued, plan_issued_advice, write_csv

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)


def streamed(cases: Path, advice: Path | None, chunk: int, monkeypatch, exceptions: Path | None = None):
    monkeypatch.setattr(stream, "CHUNK", chunk)
    plans = []
    with stream.indexed(cases, advice, exceptions) as index:
        result = stream.plan_in_chunks(index, TODAY, plans.extend)
    return plans, result.errors


def test_the_examples_plan_the_same_in_chunks_of_any_size(monkeypatch):
    examples = ROOT / "docs" / "examples"
    files = examples / "cases.csv", examples / "advice.csv"
    whole = read_and_plan(*files, TODAY, examples / "exceptions.csv")
    for chunk in (1, 2, 5, 1000):
        plans, errors = streamed(*files, chunk, monkeypatch, examples / "exceptions.csv")
        assert [p.case for p in plans] == [p.case for p in whole.cases], chunk
        assert errors == whole.errors == []


def test_bad_rows_duplicates_and_orphans_are_found_across_chunks(tmp_path, monkeypatch):
    day0 = date(2025, 1, 6)
    cases = [
        plan_issued("A", day0),
        case_row("B", "06/01/2025"),  # a bad date
        plan_issued("C", day0),
        plan_issued("A", day0),  # A again, two chunks later
    ]
    # advice in no particular order: C's rows first, then A's, and one for a case not in the file
    advice = (
        plan_issued_advice("C", day0) + plan_issued_advice("A", day0) + advice_rows("Z", day0, None, ["EP"])
    )
    cases_csv, advice_csv = (
        write_csv(tmp_path / "cases.csv", cases),
        write_csv(tmp_path / "advice.csv", advice),
    )
    whole = read_and_plan(cases_csv, advice_csv, TODAY)
    plans, errors = streamed(cases_csv, advice_csv, 1, monkeypatch)
    assert [p.ref for p in plans] == [p.ref for p in whole.cases] == ["C"]
    assert errors == whole.errors
    assert {(e.file, e.line, e.column) for e in errors} == {
        ("cases.csv", 2, "ref"),
        ("cases.csv", 3, "received_date"),
        ("cases.csv", 5, "ref"),
        ("advice.csv", 12, "ref"),
    }


async def test_the_command_takes_exceptions_csv_in_chunks(tmp_path, monkeypatch):
    from tests.importer.cli import run_import

    monkeypatch.setattr(stream, "CHUNK", 1)
    day0 = date(2025, 1, 6)
    cases = [plan_issued("A", day0), plan_issued("B", day0)]
    advice = plan_issued_advice("A", day0) + plan_issued_advice("B", day0)
    more = [
        {"ref": "B", "code": "E-ABS", "start": "2025-02-01", "end": "2025-03-01"},
        {"ref": "Z", "code": "E-ABS", "start": "2025-02-01", "end": "2025-03-01"},
    ]
    files = [
        write_csv(tmp_path / n, rows) for n, rows in (("c.csv", cases), ("a.csv", advice), ("x.csv", more))
    ]
    run = await run_import(files[0], "--advice", files[1], "--exceptions", files[2], "--dry-run")
    assert run.status == 2 and "x.csv line 3 [ref]: case Z is not in c.csv" in run.err
    more.pop()
    write_csv(tmp_path / "x.csv", more)
    run = await run_import(files[0], "--advice", files[1], "--exceptions", files[2], "--dry-run")
    assert run.status == 0, run.err
