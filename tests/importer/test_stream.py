"""Files of any size: the streaming reader plans exactly what the in-memory one does, chunk by chunk."""

from datetime import date
from pathlib import Path

from ehcna.importer import stream
from ehcna.importer.command import read_and_plan
from tests.importer.rows import advice_rows, case_row, plan_issued, plan_issued_advice, write_csv

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)


def streamed(cases: Path, advice: Path | None, chunk: int, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", chunk)
    plans = []
    with stream.indexed(cases, advice) as index:
        result = stream.plan_in_chunks(index, TODAY, plans.extend)
    return plans, result.errors


def test_the_examples_plan_the_same_in_chunks_of_any_size(monkeypatch):
    examples = ROOT / "docs" / "examples"
    whole = read_and_plan(examples / "cases.csv", examples / "advice.csv", TODAY)
    for chunk in (1, 2, 5, 1000):
        plans, errors = streamed(examples / "cases.csv", examples / "advice.csv", chunk, monkeypatch)
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
