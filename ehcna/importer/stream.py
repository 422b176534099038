"""Reading import files of any size in constant memory: a council's ten years are 200,000 cases.

Both files are first copied, row by row, into a scratch SQLite index (reference, line, cells).
Checks that need the whole file (a reference on two rows, advice for a case not in cases.csv) are
then queries on the index; the cases are planned a chunk at a time, each with its own advice rows
fetched by reference, through the same ``plan_rows`` as a small file. What stays in memory grows
only with the bad rows (each one is reported) and the open cases (each is started in Temporal).
"""

import csv
import json
import pickle
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ehcna.importer.csv_format import (
    AdviceLine,
    CaseLine,
    ExceptionLine,
    ParsedFile,
    RowError,
    header_problems,
    parse_record,
)
from ehcna.importer.plan import CasePlan, ImportPlan, plan_rows

CHUNK = 2_000  # cases planned at once


@dataclass
class Index:
    db: sqlite3.Connection
    cases_name: str
    advice_name: str
    errors: list[RowError]  # of the files themselves: encoding, CSV, headers, blank cells
    cases_header: list[str] | None
    advice_header: list[str] | None
    exceptions_name: str = "exceptions.csv"
    exceptions_header: list[str] | None = None
    case_rows: int = 0
    kept_table: bool = False


def _records(path: Path, name: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on, read as the file streams (UTF-8, with or without a BOM)."""
    line = 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, strict=True)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                reason = f"not readable as CSV ({err}); this row and the rest of the file are not read"
                errors.append(RowError(name, line, None, reason))
                return
            except UnicodeDecodeError:
                errors.append(RowError(name, line, None, "not UTF-8 text: save the file as CSV UTF-8"))
                return
            yield line, cells
            line = reader.line_num + 1


def _copy(
    db: sqlite3.Connection, table: str, path: Path, model: type[Any], errors: list[RowError]
) -> tuple[list[str] | None, int]:
    name = path.name
    records = _records(path, name, errors)
    first = next(records, None)
    if first is None:
        if not any(e.file == name for e in errors):
            errors.append(RowError(name, 1, None, "the file is empty; the first line is the header"))
        return None, 0
    names, problems = header_problems(first[1], model, name)
    if problems:  # the columns cannot be trusted, so neither can any row
        errors += problems
        return None, 0
    count = 0
    batch: list[tuple[str, int, str]] = []
    ref_at = names.index("ref") if "ref" in names else None
    for line, cells in records:
        values = [c.strip() for c in cells]
        if not any(values):
            continue
        if len(values) > len(names):
            errors.append(RowError(name, line, None, f"{len(values)} cells but the header has {len(names)}"))
            continue
        ref = values[ref_at] if ref_at is not None and ref_at < len(values) else ""
        batch.append((ref, line, json.dumps(values)))
        count += 1
        if len(batch) >= 5_000:
            db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", batch)
            batch.clear()
    db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", batch)
    return names, count


@contextmanager
def indexed(cases: Path, advice: Path | None, exceptions: Path | None = None) -> Iterator[Index]:
    with tempfile.TemporaryDirectory(prefix="ehcna-import-") as folder:
        db = sqlite3.connect(Path(folder) / "index.db")
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE cases (ref TEXT, line INTEGER, cells TEXT)")
            db.execute("CREATE TABLE advice (ref TEXT, line INTEGER, cells TEXT)")
            db.execute("CREATE TABLE exceptions (ref TEXT, line INTEGER, cells TEXT)")
            errors: list[RowError] = []
            cases_header, n = _copy(db, "cases", cases, CaseLine, errors)
            advice_header = None
            if advice is not None:
                advice_header, _ = _copy(db, "advice", advice, AdviceLine, errors)
            exceptions_header = None
            if exceptions is not None:
                exceptions_header, _ = _copy(db, "exceptions", exceptions, ExceptionLine, errors)
            db.execute("CREATE INDEX ix_cases_ref ON cases (ref)")
            db.execute("CREATE INDEX ix_exceptions_ref ON exceptions (ref, line)")
            db.execute("CREATE INDEX ix_advice_ref ON advice (ref, line)")
            db.commit()
            yield Index(
                db,
                cases.name,
                advice.name if advice else "advice.csv",
                errors,
                cases_header,
                advice_header,
                exceptions.name if exceptions else "exceptions.csv",
                exceptions_header,
                n,
            )
        finally:
            db.close()


def _duplicated(index: Index, errors: list[RowError]) -> set[str]:
    rows = index.db.execute(
        "SELECT ref, group_concat(line) FROM cases WHERE ref != '' GROUP BY ref HAVING count(*) > 1"
    ).fetchall()
    out = set()
    for ref, lines in rows:
        ls = sorted(int(x) for x in str(lines).split(","))
        where = ", ".join(map(str, ls))
        reason = f"ref {ref} is on lines {where}: a case is one row, so none of them is imported"
        errors += [RowError(index.cases_name, line, "ref", reason) for line in ls]
        out.add(ref)
    return out


def _orphans(index: Index, table: str, name: str, errors: list[RowError]) -> None:
    rows = index.db.execute(
        f"SELECT a.ref, a.line FROM {table} a "
        "WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = a.ref) ORDER BY a.line"
    )
    for ref, line in rows:
        errors.append(RowError(name, line, "ref", f"case {ref} is not in {index.cases_name}"))


def _rows_of(index: Index, table: str, refs: list[str]) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for i in range(0, len(refs), 500):
        part = refs[i : i + 500]
        marks = ",".join("?" * len(part))
        found += index.db.execute(
            f"SELECT ref, line, cells FROM {table} WHERE ref IN ({marks}) ORDER BY line",
            part,
        ).fetchall()
    found.sort(key=lambda r: r[1])
    return found


def _parsed(
    name: str, header: list[str], rows: list[tuple[str, int, str]], model: type[Any]
) -> ParsedFile[Any]:
    parsed: ParsedFile[Any] = ParsedFile(name)
    for ref, line, cells in rows:
        record = {n: (v or None) for n, v in zip(header, json.loads(cells), strict=False)}
        parsed.refs[line] = ref
        parse_record(model, record, line, parsed)
    return parsed


def plan_in_chunks(
    index: Index,
    today: date,
    take: Callable[[list[CasePlan]], None],
    done: Callable[[int], object] = lambda n: None,
) -> ImportPlan:
    """Plan every case, a chunk at a time, handing each chunk's good cases to ``take``.

    Returns the errors of the whole import (``cases`` of the result stays empty: the plans went
    to ``take``); the bad rows are sorted as ``plan_import`` sorts them.
    """
    result = ImportPlan(errors=list(index.errors))
    if index.cases_header is None:
        return result
    duplicated = _duplicated(index, result.errors)
    if index.advice_header is not None:
        _orphans(index, "advice", index.advice_name, result.errors)
    if index.exceptions_header is not None:
        _orphans(index, "exceptions", index.exceptions_name, result.errors)
    last = 0
    while True:
        rows = index.db.execute(
            "SELECT ref, line, cells FROM cases WHERE line > ? ORDER BY line LIMIT ?", (last, CHUNK)
        ).fetchall()
        if not rows:
            break
        last = rows[-1][1]
        cases = _parsed(index.cases_name, index.cases_header, rows, CaseLine)
        refs = sorted({r[0] for r in rows})
        advice: ParsedFile[Any] = ParsedFile(index.advice_name)
        if index.advice_header is not None:
            advice = _parsed(
                index.advice_name, index.advice_header, _rows_of(index, "advice", refs), AdviceLine
            )
        more: ParsedFile[Any] = ParsedFile(index.exceptions_name)
        if index.exceptions_header is not None:
            found = _rows_of(index, "exceptions", refs)
            more = _parsed(index.exceptions_name, index.exceptions_header, found, ExceptionLine)
        chunk = ImportPlan(errors=[*cases.errors, *advice.errors, *more.errors])
        plan_rows(cases, advice, today, duplicated, chunk, more)
        result.errors += chunk.errors
        take(chunk.cases)
        done(len(rows))
    result.errors.sort(key=lambda e: (e.file != index.cases_name, e.order))
    return result


def keep(index: Index, plans: list[CasePlan]) -> None:
    """Keep a checked chunk's plans on disk, so the load does not plan every case a second time."""
    if not index.kept_table:
        index.db.execute("CREATE TABLE plans (data BLOB)")
        index.kept_table = True
    index.db.execute("INSERT INTO plans VALUES (?)", (pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL),))


def kept(index: Index) -> Iterator[list[CasePlan]]:
    """The chunks ``keep`` kept, in order (the index is this import's own scratch file)."""
    if index.kept_table:
        for (data,) in index.db.execute("SELECT data FROM plans ORDER BY rowid"):
            yield pickle.loads(data)
