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

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.errors import AlreadyStarted, GatewayError, RuleRefused
from ehcna.gateway.ids import case_workflow_id
from ehcna.importer.csv_format import RowError
from ehcna.importer.plan import IMPORT_ACTOR, CasePlan
from ehcna.store.appeals import add_appeal
from ehcna.store.audit import append_audit
from ehcna.store.models import CaseRow, NamedSettingRow
from ehcna.store.people import link, person_for_import
from ehcna.store.records import record_derived_breach, save_case

IMPORT_ACTION = "import"


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
    """Write each closed case with its import audit row, one transaction per case."""
    for plan in plans:
        with sessions.begin() as session:
            if _write_closed(session, plan, at):
                report.closed_loaded += 1
            else:
                report.skipped_existing.append(plan.ref)
        done()


def _write_closed(session: Session, plan: CasePlan, at: datetime) -> bool:
    if session.get(CaseRow, plan.ref) is not None:
        return False
    claimed = append_audit(
        session,
        key=import_key(plan.ref),
        case_ref=plan.ref,
        seq=None,
        action=IMPORT_ACTION,
        by=IMPORT_ACTOR,
        at=at,
        detail={
            "file": plan.file,
            "line": plan.line,
            "start": plan.start.model_dump(mode="json", exclude={"by"}),
            "steps": [step.model_dump(mode="json", exclude={"by"}) for step in plan.steps],
        },
    )
    if not claimed:
        return False
    # version: as if the workflow had recorded the start and each step
    save_case(session, plan.case, case_workflow_id(plan.ref), len(plan.steps) + 1, at)
    if plan.person is not None:
        link(session, plan.ref, person_for_import(session, plan.person, IMPORT_ACTOR, at).id)
    if plan.setting is not None:
        session.add(NamedSettingRow(case_ref=plan.ref, rank=1, **plan.setting.model_dump()))
    for breach in plan.breaches:
        record_derived_breach(session, plan.ref, plan.case.team, breach)
    for appeal in plan.appeals:
        add_appeal(session, plan.ref, appeal.route, appeal.disputes, appeal.started_on, IMPORT_ACTOR, at)
    return True


def save_people(sessions: sessionmaker[Session], plans: Sequence[CasePlan], at: datetime) -> None:
    """The children of open cases, into the store before their workflows start (which never see them)."""
    for plan in plans:
        if plan.person is not None:
            with sessions.begin() as session:
                link(session, plan.ref, person_for_import(session, plan.person, IMPORT_ACTOR, at).id)


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
    concurrency: int = 4,
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
