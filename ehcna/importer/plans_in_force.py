"""From rows to plans in force: each plan's history replayed through the domain rules, then started.

A plan brought onto the engine is held to the same statute as one it issued: its completed reviews
(plan_reviews.csv), the review open now and a transfer in (plans.csv) become the commands people would
have given, sorted by date, and are applied with ``domain.annual_review.start_plan`` / ``apply``, the one
path that validates every step. A step a rule refuses makes the plan's row bad, with the rule's reason,
on the line and column the step came from. The plan then starts its workflow (``ehcplan-<ref>``) with
those steps as its prior actions, so each completed review and amendment is recorded in the store by the
workflow itself (L2-L7 history) and a review already overdue alerts at once.
"""

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.annual_review import apply, start_plan
from domain.errors import RuleViolation
from domain.plan import Plan, ReviewOutcome
from domain.plan_commands import (
    CirculateReviewAdvice,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    NameSetting,
    PlanCommand,
    ReceiveReviewReport,
    RecordAmendmentResponse,
    RecordCeaseAppeal,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
    TellFamilyOfTransferIn,
)
from ehcna.gateway.errors import GatewayError, RuleRefused
from ehcna.gateway.plans import PlanAlreadyStarted, PlanGateway
from ehcna.importer.csv_format import ParsedFile, RowError, validation_errors
from ehcna.importer.plan import IMPORT_ACTOR
from ehcna.importer.plans_csv import PlanLine, ReviewLine
from ehcna.store.plans import PlanRow

START_COLUMNS = {
    "ref": "ref",
    "team": "team",
    "setting_team": "setting_team",
    "start_on": "start_date",
    "year_group": "year_group",
    "extra_transfer_years": "extra_transfer_years",
    "transferred_on": "transferred_in_date",
    "old_last_review_on": "old_last_review_date",
}
# steps on the same date: a transfer in's notice first, then each review's steps in the order of reg 20
# and reg 22, the reviews in the order of their meetings and the review open now last
TOLD, SCHEDULE, CIRCULATE, HOLD, REPORT, DECIDE, NOTICE, RESPONSE, SETTING, ISSUE, CEASE, APPEAL = range(12)
OPEN_REVIEW = 1_000_000  # the index of the review open now, after every completed one


@dataclass(frozen=True)
class Teams:
    """The directory's teams a plan may name: those of case officers, and the settings' (any other)."""

    casework: frozenset[str]
    settings: frozenset[str]


@dataclass(frozen=True)
class PlanToStart:
    """One plan ready to start: its start, its steps in the order applied, and the plan they make."""

    file: str
    line: int
    start: StartPlan
    actions: tuple[PlanCommand, ...]
    plan: Plan

    @property
    def ref(self) -> str:
        return self.start.ref


@dataclass
class PlanImport:
    plans: list[PlanToStart] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({(e.file, e.line) for e in self.errors})


@dataclass(frozen=True)
class _Step:
    on: date
    review: int  # the review it belongs to: its order among the plan's reviews (OPEN_REVIEW: the open one)
    rank: int
    file: str
    line: int
    column: str  # blamed when the rule names no column of its own
    columns: Mapping[str, str]  # the command's fields -> CSV columns
    command: PlanCommand

    @property
    def order(self) -> tuple[date, int, int]:
        return self.on, self.review, self.rank

    def error(self, field_name: str, reason: str) -> RowError:
        return RowError(self.file, self.line, self.columns.get(field_name, self.column), reason)


class _Refused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


def plan_plans(
    plans: ParsedFile[PlanLine],
    reviews: ParsedFile[ReviewLine] | None,
    today: date,
    teams: Teams | None = None,
    done: Callable[[], object] = lambda: None,
) -> PlanImport:
    """Validate every row of both files and plan the good plans; nothing is written here (``done``:
    called as each row of plans.csv is checked, for a progress bar)."""
    reviews = reviews or ParsedFile("plan_reviews.csv")
    out = PlanImport(errors=[*plans.errors, *reviews.errors])
    duplicated = _duplicates(plans, out.errors)
    known = set(plans.refs.values())
    for r in reviews.rows:
        if r.ref not in known:
            out.errors.append(RowError(reviews.name, r.line, "ref", f"plan {r.ref} is not in {plans.name}"))
    bad_review = {reviews.refs[line]: line for line in sorted(reviews.bad_lines, reverse=True)}
    reviews_of: dict[str, list[ReviewLine]] = {}
    for r in reviews.rows:
        reviews_of.setdefault(r.ref, []).append(r)
    for row in plans.rows:
        done()
        if row.ref in duplicated:
            continue
        if row.ref in bad_review:
            reason = f"not imported: its review on {reviews.name} line {bad_review[row.ref]} is bad"
            out.errors.append(RowError(plans.name, row.line, "ref", reason))
            continue
        try:
            out.plans.append(
                _plan_one(row, plans.name, reviews_of.get(row.ref, []), reviews.name, today, teams)
            )
        except _Refused as refused:
            out.errors += refused.errors
            on_review = next((e for e in refused.errors if e.file != plans.name), None)
            if on_review is not None:
                reason = f"not imported: its review on {on_review.file} line {on_review.line} is refused"
                out.errors.append(RowError(plans.name, row.line, "ref", reason))
    out.errors.sort(key=lambda e: (e.file != plans.name, e.order))
    return out


def _duplicates(plans: ParsedFile[PlanLine], errors: list[RowError]) -> set[str]:
    lines: dict[str, list[int]] = {}
    for line, ref in sorted(plans.refs.items()):
        lines.setdefault(ref, []).append(line)
    twice = {ref: ls for ref, ls in lines.items() if len(ls) > 1 and ref}
    for ref, ls in twice.items():
        for line in ls:
            others = ", ".join(str(x) for x in ls if x != line)
            errors.append(RowError(plans.name, line, "ref", f"plan {ref} is also on line(s) {others}"))
    return set(twice)


def _check_teams(
    row: PlanLine, file: str, teams: Teams, reviews: Sequence[ReviewLine], reviews_file: str
) -> list[RowError]:
    errors = []
    if row.team not in teams.casework:
        valid = ", ".join(sorted(teams.casework)) or "none set up"
        reason = f"'{row.team}' is not a team of case officers in the directory; valid teams: {valid}"
        errors.append(RowError(file, row.line, "team", reason))
    if row.setting_team is not None and row.setting_team not in teams.settings:
        errors.append(RowError(file, row.line, "setting_team", _not_a_setting(row.setting_team, teams)))
    for review in reviews:  # a setting named at a phase transfer, with its team
        named = review.named_setting_team
        if named is not None and named not in teams.settings:
            errors.append(
                RowError(reviews_file, review.line, "named_setting_team", _not_a_setting(named, teams))
            )
    return errors


def _not_a_setting(team: str, teams: Teams) -> str:
    valid = ", ".join(sorted(teams.settings)) or "none set up"
    return f"'{team}' is not a setting's team in the directory; valid teams: {valid}"


def _plan_one(
    row: PlanLine,
    file: str,
    reviews: list[ReviewLine],
    reviews_file: str,
    today: date,
    teams: Teams | None,
) -> PlanToStart:
    if teams is not None and (errors := _check_teams(row, file, teams, reviews, reviews_file)):
        raise _Refused(errors)
    try:
        start = StartPlan(
            ref=row.ref,
            team=row.team,
            setting_team=row.setting_team,
            start_on=row.start_date,
            year_group=row.year_group,
            extra_transfer_years=row.extra_transfer_years,
            transferred_on=row.transferred_in_date,
            old_last_review_on=row.old_last_review_date,
            by=IMPORT_ACTOR,
        )
    except ValidationError as err:
        raise _Refused(validation_errors(err, file, row.line, START_COLUMNS, "ref")) from None
    try:
        plan = start_plan(start, today)
    except RuleViolation as err:
        raise _Refused(
            [RowError(file, row.line, START_COLUMNS.get(err.field, err.field), err.reason)]
        ) from None
    steps = _plan_steps(row, file)
    ordered = sorted(reviews, key=lambda r: (r.meeting_date, r.line))
    for index, review in enumerate(ordered):
        steps += _review_steps(review, reviews_file, index)
    steps.sort(key=lambda s: s.order)
    for step in steps:
        try:
            plan = apply(plan, step.command, today)
        except RuleViolation as err:
            raise _Refused([step.error(err.field, err.reason)]) from None
    return PlanToStart(file, row.line, start, tuple(s.command for s in steps), plan)


def _plan_steps(row: PlanLine, file: str) -> list[_Step]:
    """What plans.csv records beyond the start: the family told of a transfer in (R9), the open review,
    a decision to cease still pending and its appeal."""
    steps: list[_Step] = []

    def add(on: date | None, rank: int, column: str, columns: dict[str, str], command: PlanCommand) -> None:
        if on is not None:
            review = -1 if rank == TOLD else OPEN_REVIEW
            steps.append(_Step(on, review, rank, file, row.line, column, columns, command))

    if row.family_told_date is not None and row.reassess is not None:
        told = row.family_told_date
        add(
            told,
            TOLD,
            "family_told_date",
            {"on": "family_told_date", "reassess": "reassess"},
            TellFamilyOfTransferIn(reassess=row.reassess, on=told, by=IMPORT_ACTOR),
        )
    if row.review_invited_date is not None and row.review_meeting_date is not None:
        add(
            row.review_invited_date,
            SCHEDULE,
            "review_invited_date",
            {"on": "review_invited_date", "meeting_on": "review_meeting_date"},
            ScheduleReviewMeeting(
                meeting_on=row.review_meeting_date, on=row.review_invited_date, by=IMPORT_ACTOR
            ),
        )
    for on, rank, column, command in (
        (row.review_advice_date, CIRCULATE, "review_advice_date", CirculateReviewAdvice),
        (row.review_held_date, HOLD, "review_held_date", HoldReviewMeeting),
        (row.review_report_date, REPORT, "review_report_date", ReceiveReviewReport),
    ):
        if on is not None:
            add(on, rank, column, {"on": column}, command(on=on, by=IMPORT_ACTOR))
    if row.cease_decided_date is not None and row.cease_reason is not None:
        # a decision the council notified: with the right of appeal, as reg 31 requires of it
        on = row.cease_decided_date
        add(
            on,
            CEASE,
            "cease_decided_date",
            {"on": "cease_decided_date", "reason": "cease_reason"},
            DecideToCease(reason=row.cease_reason, on=on, appeal_information_given=True, by=IMPORT_ACTOR),
        )
        if row.cease_appeal_date is not None:
            on = row.cease_appeal_date
            appeal = RecordCeaseAppeal(on=on, by=IMPORT_ACTOR)
            add(on, APPEAL, "cease_appeal_date", {"on": "cease_appeal_date"}, appeal)
    return steps


def _review_steps(row: ReviewLine, file: str, index: int) -> list[_Step]:
    """One completed review: arranged, advice circulated, held, reported, decided; its amendment."""
    steps: list[_Step] = []

    def add(on: date | None, rank: int, column: str, columns: dict[str, str], command: PlanCommand) -> None:
        if on is not None:
            steps.append(_Step(on, index, rank, file, row.line, column, columns, command))

    invited = row.invited_date or row.meeting_date  # not known: taken as the meeting's own date
    add(
        invited,
        SCHEDULE,
        "invited_date" if row.invited_date else "meeting_date",
        {"on": "invited_date" if row.invited_date else "meeting_date", "meeting_on": "meeting_date"},
        ScheduleReviewMeeting(meeting_on=row.meeting_date, on=invited, by=IMPORT_ACTOR),
    )
    if row.advice_circulated_date is not None:
        on = row.advice_circulated_date
        add(on, CIRCULATE, "advice_circulated_date", {"on": "advice_circulated_date"}, _circulate(on))
    add(
        row.meeting_date,
        HOLD,
        "meeting_date",
        {"on": "meeting_date"},
        HoldReviewMeeting(on=row.meeting_date, by=IMPORT_ACTOR),
    )
    if row.report_date is not None:
        on = row.report_date
        add(on, REPORT, "report_date", {"on": "report_date"}, ReceiveReviewReport(on=on, by=IMPORT_ACTOR))
    add(
        row.decision_date,
        DECIDE,
        "decision",
        {"on": "decision_date", "outcome": "decision"},
        DecideReview(outcome=row.decision, on=row.decision_date, by=IMPORT_ACTOR),
    )
    notice = row.amendment_notice_date
    if notice is None or row.decision is not ReviewOutcome.AMEND:
        return steps
    add(
        notice,
        NOTICE,
        "amendment_notice_date",
        {"on": "amendment_notice_date"},
        SendAmendmentNotice(on=notice, by=IMPORT_ACTOR),
    )
    if row.amendment_response_date is not None:
        on = row.amendment_response_date
        add(
            on,
            RESPONSE,
            "amendment_response_date",
            {"on": "amendment_response_date"},
            RecordAmendmentResponse(on=on, by=IMPORT_ACTOR),
        )
    if row.named_setting is not None:
        # named in the amendment: on the day the amended plan was issued, or with the notice while open
        on = row.amended_plan_date or notice
        add(
            on,
            SETTING,
            "named_setting",
            {"setting": "named_setting", "on": "named_setting", "setting_team": "named_setting_team"},
            NameSetting(
                setting=row.named_setting, setting_team=row.named_setting_team, on=on, by=IMPORT_ACTOR
            ),
        )
    if row.amended_plan_date is not None:
        on = row.amended_plan_date
        add(
            on,
            ISSUE,
            "amended_plan_date",
            {"on": "amended_plan_date"},
            IssueAmendedPlan(on=on, by=IMPORT_ACTOR),
        )
    return steps


def _circulate(on: date) -> CirculateReviewAdvice:
    return CirculateReviewAdvice(on=on, by=IMPORT_ACTOR)


# -- starting them ------------------------------------------------------------


@dataclass
class PlanLoadReport:
    started: int = 0
    skipped_existing: list[str] = field(default_factory=list)  # refs already started or in the store
    failed: list[RowError] = field(default_factory=list)


def stored_plan_refs(sessions: sessionmaker[Session], refs: Sequence[str], chunk: int = 500) -> set[str]:
    """The plans the store already holds, among ``refs`` (a plan ended long ago may have no workflow)."""
    found: set[str] = set()
    with sessions() as session:
        for i in range(0, len(refs), chunk):
            found.update(session.scalars(select(PlanRow.ref).where(PlanRow.ref.in_(refs[i : i + chunk]))))
    return found


async def start_plans(
    gateway: PlanGateway,
    plans: Sequence[PlanToStart],
    today: date,
    report: PlanLoadReport,
    done: Callable[[], object] = lambda: None,
    concurrency: int = 4,
    stored: Collection[str] = (),
) -> None:
    """Start each plan's workflow with its real dates and its history as prior actions, once.

    The steps go in with the start: a plan never exists half-imported, and its alarms are computed
    only once its history is in, so a review held in time raises no false alarm while one already
    overdue alerts at once."""
    gate = asyncio.Semaphore(concurrency)

    async def start(plan: PlanToStart) -> None:
        async with gate:
            if plan.ref in stored:
                report.skipped_existing.append(plan.ref)
            else:
                await _start_one(gateway, plan, today, report)
        done()

    await asyncio.gather(*(start(p) for p in plans))


async def _start_one(gateway: PlanGateway, plan: PlanToStart, today: date, report: PlanLoadReport) -> None:
    try:
        # checked by plan_plans with this same ``today``: the gateway need not replay the steps again
        await gateway.start(plan.start, today, prior_actions=plan.actions, checked=plan.plan)
        report.started += 1
    except PlanAlreadyStarted:
        report.skipped_existing.append(plan.ref)
    except RuleRefused as err:  # planned with an earlier "today"; a rule may now disagree
        report.failed.append(RowError(plan.file, plan.line, err.field, err.reason))
    except GatewayError as err:  # the others still go; running the import again retries this one
        report.failed.append(RowError(plan.file, plan.line, None, f"not started: {err.reason}"))
