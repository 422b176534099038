"""Loading planned cases: closed ones into the store, open ones as workflows.

Both paths are idempotent, so an interrupted import is finished, and a
finished one left unchanged, by running it again:

- a closed case is claimed by its audit row ``import:<ref>`` (unique key) in
  the transaction that writes it, and skipped if the store has the case;
- an open case is its workflow ``ehcna-<ref>``, started once with its real
  day 0 and its recorded steps; a second start is refused (``AlreadyStarted``),
  and a case the store already holds is not started again (its workflow may
  be gone from Temporal once closed past the namespace's retention).
"""

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import FromClause, Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.errors import AlreadyStarted, GatewayError, RuleRefused
from ehcna.gateway.ids import case_workflow_id
from ehcna.importer.csv_format import RowError
from ehcna.importer.plan import IMPORT_ACTOR, CasePlan
from ehcna.store.models import (
    AdviceRow,
    AppealRow,
    AuditRow,
    BreachRow,
    CaseRow,
    DecisionRow,
    ExceptionRow,
    NamedSettingRow,
)
from ehcna.store.people import contacts_of, link, person_for_import, set_contacts
from ehcna.store.records import case_rows, derived_breach_row
from ehcna.store.upsert import insert_ignore

IMPORT_ACTION = "import"

# open cases started at once: each start is one request to Temporal and waits for its answer; with 4 in
# flight an import of open cases started 30 a second and left the worker waiting, with 16 it started
# 74 a second (bench/import_open_cases.py, 1,000 cases, BENCHMARKS.md issue 16)
START_CONCURRENCY = 16


def import_key(ref: str) -> str:
    return f"import:{ref}"


@dataclass
class LoadReport:
    closed_loaded: int = 0
    open_started: int = 0
    skipped_existing: list[str] = field(default_factory=list)  # refs already imported
    failed: list[RowError] = field(default_factory=list)  # refused at load time (see load_open)


def load_closed(
    sessions: sessionmaker[Session],
    plans: Sequence[CasePlan],
    at: datetime,
    report: LoadReport,
    done: Callable[[], object] = lambda: None,
) -> None:
    """Write the closed cases with their import audit rows, ``BATCH`` cases to a transaction and each
    table's rows in one statement (a commit and a dozen statements per case were most of an import's
    time). A batch that fails is written by none of its cases; running the import again writes it,
    skipping the cases already in."""
    for i in range(0, len(plans), BATCH):
        batch = plans[i : i + BATCH]
        with sessions.begin() as session:
            written = _write_batch(session, batch, at)
        for plan in batch:
            if plan.ref in written:
                report.closed_loaded += 1
            else:
                report.skipped_existing.append(plan.ref)
            done()


BATCH = 500


def _write_batch(session: Session, plans: Sequence[CasePlan], at: datetime) -> set[str]:
    refs = [p.ref for p in plans]
    taken = set(session.scalars(select(CaseRow.ref).where(CaseRow.ref.in_(refs))))
    taken |= {
        key.removeprefix("import:")
        for key in session.scalars(
            select(AuditRow.key).where(AuditRow.key.in_([import_key(r) for r in refs]))
        )
    }
    new = [p for p in plans if p.ref not in taken]
    rows: dict[FromClause, list[dict[str, Any]]] = {}

    def add(table: Any, *items: dict[str, Any]) -> None:
        rows.setdefault(table, []).extend(items)

    for plan in new:
        add(AuditRow.__table__, _audit_row(plan, at))
        # version: as if the workflow had recorded the start and each step
        for table, items in case_rows(plan.case, case_workflow_id(plan.ref), len(plan.steps) + 1, at).items():
            add(table, *items)
        setting = plan.setting_row()
        if setting is not None:
            add(NamedSettingRow.__table__, setting)
        add(BreachRow.__table__, *(derived_breach_row(plan.ref, plan.case.team, b) for b in plan.breaches))
        add(
            AppealRow.__table__,
            *(
                {
                    "case_ref": plan.ref,
                    "route": str(a.route),
                    "disputes": str(a.disputes),
                    "started_on": a.started_on,
                    "recorded_by": IMPORT_ACTOR.user,
                    "recorded_at": at,
                }
                for a in plan.appeals
            ),
        )
    # tables in the order their foreign keys need; each in one statement
    for table in (
        AuditRow.__table__,
        CaseRow.__table__,
        AdviceRow.__table__,
        ExceptionRow.__table__,
        DecisionRow.__table__,
        NamedSettingRow.__table__,
        BreachRow.__table__,
        AppealRow.__table__,
    ):
        if rows.get(table):
            session.execute(insert(cast(Table, table)), rows[table])  # each a mapped class's Table
    for plan in new:  # a child may come back in several cases: found, or added once
        if plan.person is not None:
            _save_child(session, plan, at)
    return {p.ref for p in new}


def _audit_row(plan: CasePlan, at: datetime) -> dict[str, Any]:
    return {
        "key": import_key(plan.ref),
        "case_ref": plan.ref,
        "seq": None,
        "action": IMPORT_ACTION,
        "actor_user": IMPORT_ACTOR.user,
        "actor_role": str(IMPORT_ACTOR.role),
        "actor_team": IMPORT_ACTOR.team,
        "at": at,
        "detail": {
            "file": plan.file,
            "line": plan.line,
            "start": plan.start.model_dump(mode="json", exclude={"by"}),
            "steps": [step.model_dump(mode="json", exclude={"by"}) for step in plan.steps],
        },
    }


def save_people(sessions: sessionmaker[Session], plans: Sequence[CasePlan], at: datetime) -> None:
    """What the store keeps of an open case beside its workflow, written before the workflow starts
    (which never sees it): the child, the setting consulted or named, and the breaches its history
    already holds."""
    for plan in plans:
        with sessions.begin() as session:
            if plan.person is not None:
                _save_child(session, plan, at)
            setting = plan.setting_row()
            if setting is not None:
                insert_ignore(session, NamedSettingRow.__table__, setting)
            for b in plan.breaches:
                insert_ignore(session, BreachRow.__table__, derived_breach_row(plan.ref, plan.case.team, b))


def _save_child(session: Session, plan: CasePlan, at: datetime) -> None:
    assert plan.person is not None
    person_id = person_for_import(session, plan.person, IMPORT_ACTOR, at)
    link(session, plan.ref, person_id)
    if plan.contact is not None and plan.contact not in contacts_of(session, person_id):
        set_contacts(session, person_id, [*contacts_of(session, person_id), plan.contact], IMPORT_ACTOR, at)


def stored_refs(sessions: sessionmaker[Session], refs: Sequence[str], chunk: int = 500) -> set[str]:
    """The references the store already holds, among ``refs``."""
    found: set[str] = set()
    with sessions() as session:
        for i in range(0, len(refs), chunk):
            found.update(session.scalars(select(CaseRow.ref).where(CaseRow.ref.in_(refs[i : i + chunk]))))
    return found


async def load_open(
    cases: CaseGateway,
    plans: Sequence[CasePlan],
    today: date,
    report: LoadReport,
    done: Callable[[], object] = lambda: None,
    concurrency: int = START_CONCURRENCY,
    stored: Collection[str] = (),
) -> None:
    """Start each open case's workflow from its real day 0 with its steps already taken.

    The steps go in with the start (``prior_actions``), not as later updates:
    the case never exists in a half-imported state, and the workflow computes
    its alarms only once history is in, so a step taken in time raises no
    false breach.
    """
    gate = asyncio.Semaphore(concurrency)

    async def start(plan: CasePlan) -> None:
        async with gate:
            if plan.ref in stored:
                report.skipped_existing.append(plan.ref)
            else:
                await _start_open(cases, plan, today, report)
        done()

    await asyncio.gather(*(start(p) for p in plans))


async def _start_open(cases: CaseGateway, plan: CasePlan, today: date, report: LoadReport) -> None:
    try:
        await cases.start(plan.start, today, prior_actions=plan.steps, migrating=True)
        report.open_started += 1
    except AlreadyStarted:
        report.skipped_existing.append(plan.ref)
    except RuleRefused as err:  # planned with an earlier "today"; a rule may now disagree
        report.failed.append(RowError(plan.file, plan.line, None, f"{err.field}: {err.reason}"))
    except GatewayError as err:  # the others still go; running the import again retries this one
        report.failed.append(RowError(plan.file, plan.line, None, f"not started: {err.reason}"))
