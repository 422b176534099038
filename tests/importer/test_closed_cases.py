"""Closed cases into the store: refused whole, loaded once, with their SEN2 dates."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

import starter
from domain.words import day_in_words
from ehcna.importer.command import read_and_plan
from ehcna.importer.load import LoadReport, import_key, load_closed
from ehcna.store.appeals import appeals_of
from ehcna.store.models import AdviceRow, AuditRow, CaseRow, DecisionRow, ExceptionRow, NamedSettingRow
from tests.importer.cli import count, run_import
from tests.importer.rows import (
    advice_rows,
    case_row,
    load_closed_case,
    plan_issued,
    plan_issued_advice,
    unique,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[2]
DAY0 = date(2025, 1, 6)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def table_counts(db) -> dict[str, int]:
    with db.sessions() as s:
        return {
            m.__tablename__: s.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (CaseRow, AdviceRow, DecisionRow, ExceptionRow, AuditRow)
        }


def history() -> tuple[list[dict], list[dict], dict[str, str]]:
    """Three closed cases: a plan issued late with an exception, a refusal, a plan not issued."""
    refs = {k: unique(k) for k in ("ISSUED", "REFUSED", "NO-PLAN")}
    cases = [
        plan_issued(
            refs["ISSUED"],
            DAY0,
            plan_day=150,
            week20_exception_code="E-ABS",
            exception_start=day(40),
            exception_end=day(80),
        ),
        case_row(
            refs["REFUSED"],
            DAY0,
            request_source="SCHOOL",
            decision_to_assess="no",
            decision_to_assess_date=day(40),
            appeal_information_given="yes",
            outcome="NOT_ASSESSED",
            outcome_date=day(40),
            request_mediation="yes",
        ),
        case_row(
            refs["NO-PLAN"],
            DAY0,
            decision_to_assess="yes",
            decision_to_assess_date=day(30),
            decision_to_issue="no",
            decision_to_issue_date=day(100),
            appeal_information_given="yes",
            outcome="PLAN_NOT_ISSUED",
            outcome_date=day(100),
        ),
    ]
    advice = (
        plan_issued_advice(refs["ISSUED"], DAY0)
        + advice_rows(refs["NO-PLAN"], day(31), day(60), ["PARENT", "EDUCATION", "EP", "SOCIAL_CARE"])
        + [
            {
                "ref": refs["NO-PLAN"],
                "kind": "HEALTH",
                "provider_team": "icb",
                "requested_date": day(31),
                "status": "NOT_RECEIVED",
                "not_received_date": day(80),
            }
        ]
    )
    return cases, advice, refs


def files(tmp_path: Path, cases: list[dict], advice: list[dict]) -> tuple[Path, Path]:
    return write_csv(tmp_path / "cases.csv", cases), write_csv(tmp_path / "advice.csv", advice)


async def test_closed_cases_land_in_the_store_with_their_sen2_dates(db, tmp_path):
    case_rows, advice_rows_, refs = history()
    cases, advice = files(tmp_path, case_rows, advice_rows_)
    run = await run_import(cases, "--advice", advice, "--database-url", db.url)
    assert run.status == 0, run.err
    assert count(run.out, "closed cases loaded") == 3

    with db.sessions() as s:
        issued = s.get(CaseRow, refs["ISSUED"])
        assert (issued.day0, issued.decision_to_assess_on, issued.final_plan_on, issued.plan_days) == (
            DAY0,
            day(30),
            day(150),
            150,
        )
        assert (issued.outcome, issued.outcome_on, issued.stage, issued.t6_due) == (
            "PLAN_ISSUED",
            day(150),
            "closed",
            day(140),
        )
        assert issued.week20_exception and issued.workflow_id == f"ehcna-{refs['ISSUED']}"
        refused = s.get(CaseRow, refs["REFUSED"])
        assert (refused.request_source, refused.decided_to_assess, refused.outcome_on) == (
            "SCHOOL",
            False,
            day(40),
        )
        appeals = [(a.route, a.disputes, a.started_on) for a in appeals_of(s, refs["REFUSED"])]
        assert appeals == [("MEDIATION", "REQUEST", None)]  # a SEN2 flag without its date
        no_plan = s.get(CaseRow, refs["NO-PLAN"])
        assert (no_plan.outcome, no_plan.decided_to_issue, no_plan.decision_to_issue_on) == (
            "PLAN_NOT_ISSUED",
            False,
            day(100),
        )
        health = s.get(AdviceRow, (refs["NO-PLAN"], "HEALTH-1"))
        assert (health.status, health.not_received_on, health.due_on) == ("NOT_RECEIVED", day(80), day(73))
        decision = s.get(DecisionRow, (refs["NO-PLAN"], "TO_ISSUE"))
        assert (decision.yes, decision.decided_on, decision.due_on) == (False, day(100), day(112))
        audit = s.scalars(sa.select(AuditRow).where(AuditRow.case_ref == refs["ISSUED"])).all()
        assert [(a.key, a.action, a.actor_user, a.actor_role) for a in audit] == [
            (import_key(refs["ISSUED"]), "import", "import", "system")
        ]
        assert audit[0].detail["line"] == 2 and len(audit[0].detail["steps"]) == 16
    assert table_counts(db) == {
        "cases": 3,
        "advice_requests": 10,
        "decisions": 5,
        "case_exceptions": 1,
        "audit_events": 3,
    }


async def test_a_bad_file_is_refused_with_every_bad_row_and_nothing_is_written(db, tmp_path):
    case_rows, advice_rows_, refs = history()
    bad_date = case_row(unique("BAD"), "2025-02-30")
    duplicate = case_row(refs["ISSUED"], DAY0)
    after_close = advice_rows(refs["REFUSED"], day(54), day(70), ["EP"])
    cases, advice = files(tmp_path, [*case_rows, bad_date, duplicate], [*advice_rows_, *after_close])

    run = await run_import(cases, "--advice", advice, "--database-url", db.url)

    assert run.status == 2
    lines = run.err.splitlines()
    one_row = f"ref {refs['ISSUED']} is on lines 2, 6: a case is one row, so none of them is imported"
    closed = f"case {refs['REFUSED']} is closed (decided not to assess); no further action can be taken"
    assert lines[:-1] == [
        f"cases.csv line 2 [ref]: {one_row}",
        "cases.csv line 3 [ref]: not imported: its advice on advice.csv line 12 is refused",
        "cases.csv line 5 [received_date]: '2025-02-30' is not a real date",
        f"cases.csv line 6 [ref]: {one_row}",
        f"advice.csv line 12 [kind]: {closed}",
    ]
    assert lines[-1].startswith("refused: 5 bad row(s); nothing was imported.")
    assert run.out == ""
    assert set(table_counts(db).values()) == {0}


async def test_skip_bad_loads_the_good_rows_and_reports_the_bad(db, tmp_path):
    case_rows, advice_rows_, _ = history()
    no_date = case_row(unique("X"), DAY0, outcome="WITHDRAWN")
    cases, advice = files(tmp_path, [*case_rows, no_date], advice_rows_)

    run = await run_import(cases, "--advice", advice, "--database-url", db.url, "--skip-bad")

    assert run.status == 0, run.err
    assert run.err.splitlines() == ["cases.csv line 5 [outcome_date]: required when outcome is given"]
    assert (count(run.out, "closed cases loaded"), count(run.out, "bad rows skipped")) == (3, 1)
    assert table_counts(db)["cases"] == 3


async def test_rerunning_the_same_import_changes_nothing(db, tmp_path):
    cases, advice = files(tmp_path, *history()[:2])
    first = await run_import(cases, "--advice", advice, "--database-url", db.url)
    before = table_counts(db)
    with db.sessions() as s:
        stamps = s.execute(sa.select(CaseRow.ref, CaseRow.updated_at, CaseRow.version)).all()

    again = await run_import(cases, "--advice", advice, "--database-url", db.url)

    assert (first.status, again.status) == (0, 0)
    assert (count(again.out, "closed cases loaded"), count(again.out, "skipped, already imported")) == (0, 3)
    assert table_counts(db) == before
    with db.sessions() as s:
        assert s.execute(sa.select(CaseRow.ref, CaseRow.updated_at, CaseRow.version)).all() == stamps


async def test_dry_run_writes_nothing(db, tmp_path):
    cases, advice = files(tmp_path, *history()[:2])
    run = await run_import(cases, "--advice", advice, "--database-url", db.url, "--dry-run")
    assert run.status == 0
    assert count(run.out, "closed cases to load") == 3
    assert set(table_counts(db).values()) == {0}


def test_the_examples_closed_cases_load(db):
    examples = ROOT / "docs" / "examples"
    plan = read_and_plan(
        examples / "cases.csv", examples / "advice.csv", date(2026, 11, 23), examples / "exceptions.csv"
    )
    report = LoadReport()
    load_closed(db.sessions, plan.closed, datetime.now(UTC), report)
    assert report.closed_loaded == 7
    with db.sessions() as s:
        assert s.get(CaseRow, "EH-2024-0004").week20_exception
        assert s.get(AdviceRow, ("EH-2025-0005", "HEALTH-1")).status == "CANCELLED"
        moved = s.get(CaseRow, "EH-2025-0007")
        assert (moved.transferred_in, moved.original_received_date) == (True, date(2025, 7, 14))
        assert s.get(CaseRow, "EH-2024-0003").week20_legacy
        assert s.get(CaseRow, "EH-2025-0006").request_source == "UNKNOWN"
        assert s.get(AdviceRow, ("EH-2024-0001", "HEALTH-1")).received_on == date(2024, 2, 16)
        assert s.get(AdviceRow, ("EH-2025-0007", "EDUCATION-1")).status == "WITHDRAWN"
        assert s.get(AdviceRow, ("EH-2025-0007", "HEALTH-2")).excepted  # A-APPT from exceptions.csv
        setting = s.get(NamedSettingRow, ("EH-2024-0001", 1))
        assert (setting.urn, setting.consulted_on) == ("999101", date(2024, 4, 12))
        codes = s.scalars(sa.select(ExceptionRow.code).where(ExceptionRow.case_ref == "EH-2024-0004")).all()
        assert sorted(codes) == ["A-ABS", "E-ABS", "E-PERS"]


def test_the_cli_refuses_a_bad_file_with_line_numbered_reasons(tmp_path):
    cases = write_csv(
        tmp_path / "cases.csv",
        [case_row("EH-1", DAY0), case_row("EH-2", "2025-13-01")],
    )
    done = subprocess.run(
        [sys.executable, "-m", "ehcna", "import", str(cases), "--database-url", f"sqlite:///{tmp_path}/x.db"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "cases.csv line 3 [received_date]: '2025-13-01' is not a real date" in done.stderr
    assert not (tmp_path / "x.db").exists()


async def test_temporal_is_reached_before_anything_is_written(db, tmp_path):
    case_rows, advice_rows_, _ = history()
    still_open = case_row(unique("OPEN"), DAY0)
    cases, advice = files(tmp_path, [*case_rows, still_open], advice_rows_)
    argv = [cases, "--advice", advice, "--database-url", db.url, "--temporal-address", "127.0.0.1:1"]

    run = await run_import(*argv)

    assert run.status == 3
    assert run.err.startswith("error: cannot reach Temporal at 127.0.0.1:1")
    assert set(table_counts(db).values()) == {0}


async def test_starter_refuses_a_reference_only_the_store_holds(
    db, dev_server, tmp_path, monkeypatch, capsys
):
    """An imported closed case has no workflow; starter asks the store too, when it can reach it."""
    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server.env.client.service_client.config.target_host)
    monkeypatch.setenv("EHCNA_TASK_QUEUE", dev_server.task_queue)
    monkeypatch.setenv("EHCNA_DATABASE_URL", db.url)
    ref = unique("CLOSED")
    load_closed_case(db.sessions, tmp_path, ref, DAY0)
    received = ["--received", DAY0.isoformat(), "--team", "north"]
    assert await starter.run(["--ref", ref, *received]) == starter.EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        f"error: ref: case reference {ref} already exists; each case has one reference\n"
    )
    assert await starter.run(["--ref", unique("NEW"), *received]) == 0  # a new reference starts

    # no store to ask (its file not made yet): Temporal's check alone, and no file made
    missing = tmp_path / "none" / "ehcna.db"
    monkeypatch.setenv("EHCNA_DATABASE_URL", f"sqlite:///{missing}")
    assert await starter.run(["--ref", ref, *received]) == 0
    assert not missing.exists() and not missing.parent.exists()


def test_the_child_is_kept_once_in_the_store_and_never_in_the_audit(db, tmp_path):
    from ehcna.store.models import CasePersonRow, PersonRow

    child = {
        "forename": "Ada",
        "surname": "Example",
        "birth_date": "2015-03-01",
        "upn": "B801200005001",
        "sex": "F",
    }
    first = unique("P1")
    second = unique("P2")
    rows = [plan_issued(first, DAY0, **child), plan_issued(second, DAY0 + timedelta(days=400), **child)]
    advice = plan_issued_advice(first, DAY0) + plan_issued_advice(second, DAY0 + timedelta(days=400))
    plan = read_and_plan(
        write_csv(tmp_path / "c.csv", rows), write_csv(tmp_path / "a.csv", advice), date(2026, 11, 28)
    )
    assert plan.errors == []
    load_closed(db.sessions, plan.closed, datetime.now(UTC), LoadReport())
    with db.sessions() as s:
        people = s.scalars(sa.select(PersonRow).where(PersonRow.upn == "B801200005001")).all()
        assert len(people) == 1 and people[0].surname == "Example"
        linked = s.scalars(
            sa.select(CasePersonRow.person_id).where(CasePersonRow.case_ref.in_([first, second]))
        ).all()
        assert linked == [people[0].id, people[0].id]
        audit = " ".join(str(d) for d in s.scalars(sa.select(AuditRow.detail)).all())
        assert "Example" not in audit and "2015-03-01" not in audit


def test_a_child_with_a_wrong_UPN_check_letter_or_impossible_birth_date_is_refused(tmp_path):
    """Refused with the field and the reason, never the value: import errors are printed and logged."""
    bad_upn = plan_issued(
        "EH-1", DAY0, forename="Ada", surname="Example", birth_date="2015-03-01", upn="A801200005001"
    )
    unborn = plan_issued(
        "EH-2", DAY0, forename="Bo", surname="Example", birth_date=str(DAY0 + timedelta(days=1))
    )
    advice = plan_issued_advice("EH-1", DAY0) + plan_issued_advice("EH-2", DAY0)
    plan = read_and_plan(
        write_csv(tmp_path / "c.csv", [bad_upn, unborn]),
        write_csv(tmp_path / "a.csv", advice),
        date(2026, 11, 28),
    )
    assert sorted((e.line, e.column, e.reason) for e in plan.errors) == [
        (2, "upn", "the UPN's check letter should be B: check the number"),
        (
            3,
            "birth_date",
            f"the date of birth is after the day the request was received ({day_in_words(DAY0)})",
        ),
    ]


def test_a_parent_or_carer_is_imported_with_the_child_once_and_a_bad_one_is_refused_by_column(db, tmp_path):
    from ehcna.store.models import CasePersonRow, ContactRow

    child = {"forename": "Cy", "surname": "Example", "birth_date": "2015-03-01", "upn": "A123456789012"}
    parent = {
        "contact_name": "Dee Example",
        "contact_relationship": "Mother",
        "contact_phone": "01632 960000",
        "contact_preferred": "phone",
        "contact_interpreter_language": "Welsh",
    }
    first, second = unique("C1"), unique("C2")
    rows = [
        plan_issued(first, DAY0, **child, **parent),
        plan_issued(
            second, DAY0 + timedelta(days=400), **child, **parent
        ),  # the same parent again: kept once
    ]
    advice = plan_issued_advice(first, DAY0) + plan_issued_advice(second, DAY0 + timedelta(days=400))
    plan = read_and_plan(
        write_csv(tmp_path / "c.csv", rows), write_csv(tmp_path / "a.csv", advice), date(2026, 11, 28)
    )
    assert plan.errors == []
    load_closed(db.sessions, plan.closed, datetime.now(UTC), LoadReport())
    with db.sessions() as s:
        person_id = s.scalar(sa.select(CasePersonRow.person_id).where(CasePersonRow.case_ref == first))
        contacts = s.scalars(sa.select(ContactRow).where(ContactRow.person_id == person_id)).all()
        assert [(c.name, c.preferred, c.interpreter_language) for c in contacts] == [
            ("Dee Example", "phone", "Welsh")
        ]
        audit = " ".join(str(d) for d in s.scalars(sa.select(AuditRow.detail)).all())
        assert "Dee Example" not in audit and "01632" not in audit

    unreachable = plan_issued(
        "EH-3", DAY0, **child, contact_name="Eve", contact_relationship="Aunt", contact_preferred="post"
    )
    orphan = plan_issued("EH-4", DAY0, contact_name="Flo", contact_relationship="Father")
    bad = read_and_plan(
        write_csv(tmp_path / "c2.csv", [unreachable, orphan]),
        write_csv(tmp_path / "a2.csv", plan_issued_advice("EH-3", DAY0) + plan_issued_advice("EH-4", DAY0)),
        date(2026, 11, 28),
    )
    assert sorted((e.line, e.column) for e in bad.errors) == [(2, "contact_preferred"), (3, "contact_name")]
    assert "give their address" in bad.errors[0].reason + bad.errors[1].reason
