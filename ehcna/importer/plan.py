"""From rows to cases: each row's recorded steps replayed through the domain rules.

A migrated case is held to the same statute as a live one: its steps are
turned into the commands people would have given, sorted by date, and
applied with ``domain.assessment.start_case`` / ``apply``, the single path
that validates every action. A step a rule refuses makes its row bad, with
the rule's reason, on the line and column the step came from.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from domain.appeals import Decisions, Disputed, RecordAppeal, Route, check_appeal
from domain.assessment import apply, start_case
from domain.case import AdviceKind, AdviceStatus, Case, Outcome
from domain.commands import (
    Actor,
    CaseCommand,
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
    TransferOut,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.deadlines import Deadline, deadlines
from domain.errors import RuleViolation
from domain.history import implied_breaches, returned_after_close
from domain.person import Contact, NamedSetting, Person, check_year_group
from domain.statutory_exceptions import ExceptionCode, validate_case_exception
from domain.words import advice_in_words, day_in_words, lower_first
from ehcna.importer.csv_format import (
    AdviceLine,
    CaseLine,
    ExceptionLine,
    ParsedFile,
    RowError,
    validation_errors,
)

IMPORT_ACTOR = Actor(user="import", role=Role.SYSTEM)

# Steps on the same date are applied in the order of the statute; a step that
# closes the case comes last on its day, so what happened that day is kept.
DECIDE_TO_ASSESS, REQUEST_ADVICE, ADVICE_RETURNED, EXCEPTION = 0, 1, 2, 3
DECIDE_TO_ISSUE, SERVE_DRAFT, FAMILY_RESPONSE, CLOSING = 4, 5, 6, 9

START_COLUMNS = {
    "ref": "ref",
    "day0": "received_date",
    "request_source": "request_source",
    "team": "team",
    "year_group": "year_group",
    "transferred_in": "transferred_in",
    "original_request_on": "original_received_date",
}
CLOSURE_CODES = {ExceptionCode.E_SCH, ExceptionCode.E_EY}
# the step that gives each outcome, to say what a row is missing
OUTCOME_STEP = {
    Outcome.NOT_ASSESSED: "decision_to_assess=no",
    Outcome.PLAN_NOT_ISSUED: "decision_to_issue=no",
    Outcome.PLAN_ISSUED: "final_plan_date",
}


APPEAL_KINDS: dict[str, tuple[Route, Disputed]] = {
    "request_mediation": (Route.MEDIATION, Disputed.REQUEST),
    "request_tribunal": (Route.TRIBUNAL, Disputed.REQUEST),
    "assessment_mediation": (Route.MEDIATION, Disputed.ASSESSMENT),
    "assessment_tribunal": (Route.TRIBUNAL, Disputed.ASSESSMENT),
    "other_mediation": (Route.MEDIATION, Disputed.PLAN),
    "other_tribunal": (Route.TRIBUNAL, Disputed.PLAN),
}


@dataclass(frozen=True)
class Appeal:
    """A mediation or appeal of the case's history; ``started_on`` None: a SEN2 flag without its date."""

    route: Route
    disputes: Disputed
    started_on: date | None


@dataclass(frozen=True)
class CasePlan:
    """One case ready to load: its start, its steps in the order applied, and the result."""

    file: str
    line: int
    start: StartAssessment
    steps: tuple[CaseCommand, ...]
    case: Case
    appeals: tuple[Appeal, ...] = ()
    breaches: tuple[Deadline, ...] = ()  # implied by a closed case's dates (K10 for migrated history)
    person: Person | None = None  # the child, for the store only (never sent to Temporal)
    setting: NamedSetting | None = None  # the setting named in the plan
    contact: Contact | None = None  # a parent or carer, for the store only
    school_consulted_on: date | None = None  # T5, also before (or without) a setting named

    def setting_row(self) -> dict[str, Any] | None:
        """Its row of the store's named_settings (SEN2 module 4b reads those naming a setting)."""
        if self.setting is None and self.school_consulted_on is None:
            return None
        named = self.setting.model_dump(exclude={"consulted_on"}) if self.setting else {}
        return {
            "case_ref": self.ref,
            "rank": 1,
            "urn": None,
            "ukprn": None,
            "sen_setting": None,
            **named,
            "consulted_on": self.school_consulted_on,
        }

    @property
    def ref(self) -> str:
        return self.start.ref

    @property
    def is_closed(self) -> bool:
        return self.case.is_closed


@dataclass
class ImportPlan:
    cases: list[CasePlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def closed(self) -> list[CasePlan]:
        return [c for c in self.cases if c.is_closed]

    @property
    def open(self) -> list[CasePlan]:
        return [c for c in self.cases if not c.is_closed]

    @property
    def bad_rows(self) -> int:
        return len({(e.file, e.line) for e in self.errors})


class _Refused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


AdviceIds = Mapping[int, str]  # advice.csv line -> the advice id the case gave it


@dataclass(frozen=True)
class _Step:
    """One recorded step, waiting to become a command once earlier steps are applied."""

    on: date
    rank: int
    file: str
    line: int
    column: str  # blamed when the rule names no column of its own
    columns: Mapping[str, str]  # the command's fields -> CSV columns
    build: Callable[[AdviceIds], CaseCommand]
    not_before: date | None = None  # applied after this date's steps (its advice request)
    requests_advice_line: int | None = None

    @property
    def order(self) -> tuple[date, int]:
        return max(self.on, self.not_before or self.on), self.rank

    def error(self, field_name: str, reason: str) -> RowError:
        return RowError(self.file, self.line, self.columns.get(field_name, self.column), reason)


def plan_import(
    cases: ParsedFile[CaseLine],
    advice: ParsedFile[AdviceLine] | None,
    today: date,
    exceptions: ParsedFile[ExceptionLine] | None = None,
) -> ImportPlan:
    """Validate every row of the files and plan the good cases; nothing is written here."""
    advice = advice or ParsedFile("advice.csv")
    exceptions = exceptions or ParsedFile("exceptions.csv")
    plan = ImportPlan(errors=[*cases.errors, *advice.errors, *exceptions.errors])
    duplicated = _duplicates(cases, plan.errors)
    _orphans(cases, advice, plan.errors)
    _orphans(cases, exceptions, plan.errors)
    plan_rows(cases, advice, today, duplicated, plan, exceptions)
    plan.errors.sort(key=lambda e: (e.file != cases.name, e.order))  # cases first, then advice, by line
    return plan


def plan_rows(
    cases: ParsedFile[CaseLine],
    advice: ParsedFile[AdviceLine],
    today: date,
    duplicated: set[str],
    plan: ImportPlan,
    exceptions: ParsedFile[ExceptionLine] | None = None,
) -> None:
    """Plan the good rows of ``cases`` (all of a file, or one chunk of it with its advice rows)."""
    exceptions = exceptions or ParsedFile("exceptions.csv")
    advice_of, excluded = _advice_by_case(cases, advice, duplicated)
    more_of, more_excluded = _advice_by_case(cases, exceptions, duplicated)
    excluded = {**more_excluded, **excluded}
    for row in cases.rows:
        if row.ref in duplicated:
            continue
        if row.ref in excluded:
            plan.errors.append(
                RowError(
                    cases.name, row.line, "ref", f"not imported: its advice on {excluded[row.ref]} is bad"
                )
            )
            continue
        try:
            plan.cases.append(
                _plan_case(
                    row,
                    cases.name,
                    advice_of.get(row.ref, []),
                    advice.name,
                    today,
                    more_of.get(row.ref, []),
                    exceptions.name,
                )
            )
        except _Refused as refused:
            plan.errors += refused.errors
            on_advice = next((e for e in refused.errors if e.file != cases.name), None)
            if on_advice is not None:  # say which case the refused advice (or exception) row keeps out
                what = "exception" if on_advice.file == exceptions.name else "advice"
                reason = f"not imported: its {what} on {on_advice.file} line {on_advice.line} is refused"
                plan.errors.append(RowError(cases.name, row.line, "ref", reason))


def _orphans(cases: ParsedFile[CaseLine], advice: ParsedFile[Any], errors: list[RowError]) -> None:
    known = set(cases.refs.values())
    for row in advice.rows:
        if row.ref not in known:
            errors.append(RowError(advice.name, row.line, "ref", f"case {row.ref} is not in {cases.name}"))


def _duplicates(cases: ParsedFile[CaseLine], errors: list[RowError]) -> set[str]:
    lines: dict[str, list[int]] = {}
    for line, ref in cases.refs.items():
        if ref:
            lines.setdefault(ref, []).append(line)
    repeated = {ref: ls for ref, ls in lines.items() if len(ls) > 1}
    for ref, ls in repeated.items():
        where = ", ".join(map(str, ls))
        reason = f"ref {ref} is on lines {where}: a case is one row, so none of them is imported"
        errors += [RowError(cases.name, line, "ref", reason) for line in ls]
    return set(repeated)


def _advice_by_case(
    cases: ParsedFile[CaseLine],
    advice: ParsedFile[Any],
    duplicated: set[str],
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """A file's rows grouped by case; and cases excluded because a row of theirs is bad."""
    known = set(cases.refs.values())
    by_case: dict[str, list[Any]] = {}
    for row in advice.rows:
        by_case.setdefault(row.ref, []).append(row)
    excluded: dict[str, str] = {}
    for line in sorted(advice.bad_lines):
        ref = advice.refs.get(line)
        if ref and ref in known and ref not in duplicated:
            excluded.setdefault(ref, f"{advice.name} line {line}")
    return by_case, excluded


def _plan_case(
    row: CaseLine,
    file: str,
    advice: list[AdviceLine],
    advice_file: str,
    today: date,
    more: list[ExceptionLine] | None = None,
    more_file: str = "exceptions.csv",
) -> CasePlan:
    try:
        start = StartAssessment(
            ref=row.ref,
            day0=row.received_date,
            request_source=row.request_source,
            team=row.team,
            year_group=row.year_group,
            transferred_in=bool(row.transferred_in),
            original_request_on=row.original_received_date,
            by=IMPORT_ACTOR,
        )
        case = start_case(start, today)
        if row.outcome is not None:  # closed: history of an earlier system, never run on the engine
            case = case.model_copy(update={"recorded_elsewhere": True, "legacy_week20": _legacy_week20(row)})
    except ValidationError as err:
        raise _Refused(validation_errors(err, file, row.line, START_COLUMNS, "ref")) from None
    except RuleViolation as err:
        raise _Refused([RowError(file, row.line, START_COLUMNS.get(err.field), err.reason)]) from None
    # advice an earlier system shows returned after the case closed is added once the history is in
    late = [a for a in advice if _returned_after_close(row, a)]
    steps = _case_steps(row, file) + [
        s for a in advice for s in _advice_steps(a, advice_file, returned=a not in late)
    ]
    # the school or setting asked: a request withdrawn (sent in error) is not it
    education = next(
        (a for a in advice if a.kind is AdviceKind.EDUCATION and a.status is not AdviceStatus.WITHDRAWN), None
    )
    exception = _case_exception_step(row, file, today, education)
    if exception is not None:
        steps.append(exception)
    more_steps = [_more_exception_step(x, more_file, advice, row, today) for x in more or []]
    steps += more_steps
    case, commands, states, ids = _replay(case, steps, today, advice_file)
    _check_outcome(row, file, case)
    for a in late:
        assert a.returned_date is not None
        try:
            case = returned_after_close(case, ids[a.line], a.returned_date, a.document_ref or "")
        except RuleViolation as err:
            raise _Refused([RowError(advice_file, a.line, "returned_date", err.reason)]) from None
        states.append((a.returned_date, case))
    # a closed case's E- exceptions, from either file, must fall in its open period
    case_steps = [exception] if exception is not None else []
    case_steps += [st for st, x in zip(more_steps, more or [], strict=True) if x.code.applies_to_case]
    if case_steps and case.outcome_on is not None:
        _check_exception_period(case, case_steps[0])
    appeals = _appeals(row, file, case, today)
    # a closed case never runs on the engine: its breaches (K10) are derived from its dates. An open
    # case's workflow raises the breaches of the deadlines still open; those its history already
    # closed late (a decision after day 42, advice late or not received) are derived here
    breaches = tuple(
        implied_breaches(states) if case.is_closed else _closed_late(case, implied_breaches(states))
    )
    person = _person(row, file)
    setting = _setting(row, file)
    consulted = _school_consulted(row, file, case, today)
    contact = _contact(row, file, person)
    return CasePlan(
        file, row.line, start, tuple(commands), case, appeals, breaches, person, setting, contact, consulted
    )


SETTING_COLUMNS = {
    "urn": "named_setting_urn",
    "ukprn": "named_setting_ukprn",
    "sen_setting": "named_setting_sen_setting",
}


def _setting(row: CaseLine, file: str) -> NamedSetting | None:
    """The setting named in the plan, when the row names one (the day it was consulted: CasePlan)."""
    cells = {field: getattr(row, column) for field, column in SETTING_COLUMNS.items()}
    if all(v is None for v in cells.values()):
        return None
    try:
        return NamedSetting(**cells)
    except ValidationError as err:
        raise _Refused(validation_errors(err, file, row.line, SETTING_COLUMNS, "named_setting_urn")) from None


def _school_consulted(row: CaseLine, file: str, case: Case, today: date) -> date | None:
    """The day the school or setting was consulted (T5, CFA s.39): between day 0 and the outcome (or
    today). A council consults before it names a setting, and a case may close (withdrawn, moved
    away) or still be drafted with none named: the date stands alone as well as with a setting."""
    consulted = row.school_consulted_date
    if consulted is None:
        return None
    said = f"the school was consulted on {day_in_words(consulted)}"
    if consulted < case.day0:
        reason = f"{said}, before the request was received ({day_in_words(case.day0)})"
    elif case.outcome_on is not None and consulted > case.outcome_on:
        reason = f"{said}, after the case closed ({day_in_words(case.outcome_on)})"
    elif consulted > today:
        reason = f"{said}, in the future (today is {day_in_words(today)})"
    else:
        return consulted
    raise _Refused([RowError(file, row.line, "school_consulted_date", reason)])


PERSON_COLUMNS = tuple(Person.model_fields)


def _person(row: CaseLine, file: str) -> Person | None:
    """The child, when the row names one; its identifiers and date of birth checked."""
    cells = {c: getattr(row, c) for c in PERSON_COLUMNS}
    if all(v is None for v in cells.values()):
        return None
    try:
        person = Person(**cells)
        person.check_born(row.received_date)
        check_year_group(person.birth_date, row.year_group, row.received_date)
    except ValidationError as err:
        raise _Refused(validation_errors(err, file, row.line, {}, "upn")) from None
    except RuleViolation as err:
        raise _Refused([RowError(file, row.line, err.field, err.reason)]) from None
    return person


CONTACT_COLUMNS = {name: f"contact_{name}" for name in Contact.model_fields}


def _contact(row: CaseLine, file: str, person: Person | None) -> Contact | None:
    """The parent or carer, when the row names one (only with the child it belongs to)."""
    cells = {name: getattr(row, column) for name, column in CONTACT_COLUMNS.items()}
    if all(v is None for v in cells.values()):
        return None
    if person is None:
        raise _Refused(
            [
                RowError(
                    file,
                    row.line,
                    "contact_name",
                    "a contact needs the child: give forename, surname and birth_date too",
                )
            ]
        )
    try:
        return Contact(**{k: v for k, v in cells.items() if v is not None})
    except ValidationError as err:
        raise _Refused(validation_errors(err, file, row.line, CONTACT_COLUMNS, "contact_preferred")) from None


def _appeals(row: CaseLine, file: str, case: Case, today: date) -> tuple[Appeal, ...]:
    """Mediation and appeals, each after the decision it disputes (``domain.appeals``)."""
    out: list[Appeal] = []
    decisions = Decisions(
        ref=case.ref,
        not_assessed_on=case.decision_to_assess.on
        if case.decision_to_assess and not case.decision_to_assess.yes
        else None,
        not_issued_on=case.decision_to_issue.on
        if case.decision_to_issue and not case.decision_to_issue.yes
        else None,
        plan_issued_on=case.final_plan_issued_on,
    )
    for column, (route, disputes) in APPEAL_KINDS.items():
        if not getattr(row, column):
            continue
        started_on: date | None = getattr(row, f"{column}_date")
        if started_on is not None:
            try:
                check_appeal(
                    decisions,
                    RecordAppeal(route=route, disputes=disputes, started_on=started_on, by=IMPORT_ACTOR),
                    today,
                )
            except RuleViolation as err:
                raise _Refused([RowError(file, row.line, f"{column}_date", err.reason)]) from None
        out.append(Appeal(route, disputes, started_on))
    return tuple(out)


def _replay(
    case: Case, steps: list[_Step], today: date, advice_file: str
) -> tuple[Case, list[CaseCommand], list[tuple[date, Case]], dict[int, str]]:
    """Apply the steps in date order; the first one refused makes the row bad. Also returns the case
    after each step with the step's date (the start first), for the breaches the history implies."""
    ids: dict[int, str] = {}
    applied: list[CaseCommand] = []
    states: list[tuple[date, Case]] = [(case.day0, case)]
    for step in sorted(steps, key=lambda s: s.order):  # stable: same day, same rank keeps file order
        try:
            cmd = step.build(ids)
            case = apply(case, cmd, today)
        except ValidationError as err:
            raise _Refused(validation_errors(err, step.file, step.line, step.columns, step.column)) from None
        except RuleViolation as err:
            raise _Refused([step.error(err.field, _name_advice(err.reason, ids, advice_file))]) from None
        if step.requests_advice_line is not None:
            ids[step.requests_advice_line] = case.advice[-1].id
        applied.append(cmd)
        states.append((step.on, case))
    return case, applied, states, ids


def _name_advice(reason: str, ids: AdviceIds, advice_file: str) -> str:
    """Rules name advice in words ("medical advice", "medical advice (request 2)" for HEALTH-2), or by
    an id the row gave; say which advice row that is."""
    named = [
        f"{aid} is {advice_file} line {line}"
        for line, aid in ids.items()
        if re.search(rf"\b{re.escape(aid)}\b", reason)
        or re.search(rf"\b{re.escape(lower_first(advice_in_words(aid)))}(?! \(request)", reason)
    ]
    return f"{reason} [{'; '.join(named)}]" if named else reason


def _check_outcome(row: CaseLine, file: str, case: Case) -> None:
    if case.outcome == row.outcome and case.outcome_on == row.outcome_date:
        return
    if case.outcome is None:
        assert row.outcome is not None
        needs = OUTCOME_STEP.get(row.outcome, "its step")
        reason = f"{row.outcome} needs the step that ends the case that way ({needs})"
        raise _Refused([RowError(file, row.line, "outcome", reason)])
    if case.outcome != row.outcome:
        reason = (
            f"the recorded steps close the case as {case.outcome} on {_in_words(case.outcome_on)}; "
            f"outcome is {row.outcome or 'blank (open)'}"
        )
        raise _Refused([RowError(file, row.line, "outcome", reason)])
    closes, given = _in_words(case.outcome_on), _in_words(row.outcome_date)
    reason = f"the recorded steps close the case on {closes}, not {given}"
    raise _Refused([RowError(file, row.line, "outcome_date", reason)])


def _in_words(day: date | None) -> str:
    return day_in_words(day) if day is not None else "no date"


def _check_exception_period(case: Case, step: _Step) -> None:
    """A closed case's exception must fall in its open period, day 0 to the outcome.

    While a case is open the rule can only measure the period up to the day
    the exception is recorded; history knows where the period ended.
    """
    assert case.outcome_on is not None
    for exc in case.exceptions:
        if exc.code.applies_to_case:
            try:
                validate_case_exception(exc, (case.day0, case.outcome_on))
            except RuleViolation as err:
                raise _Refused([step.error(err.field, err.reason)]) from None


# -- the steps of a row ----------------------------------------------------------


def _case_steps(row: CaseLine, file: str) -> list[_Step]:
    """The steps cases.csv records: the decisions, the draft and its response, the close."""
    steps: list[_Step] = []

    def add(
        on: date | None,
        rank: int,
        column: str,
        date_column: str,
        make: Callable[[date], CaseCommand],
        also: Mapping[str, str] | None = None,
    ) -> None:
        if on is not None:
            columns = {"on": date_column, **(also or {})}
            steps.append(_Step(on, rank, file, row.line, column, columns, _at(make, on)))

    appeal = bool(row.appeal_information_given)
    assess, issue = row.decision_to_assess, row.decision_to_issue
    if assess is not None:
        add(
            row.decision_to_assess_date,
            DECIDE_TO_ASSESS if assess else CLOSING,
            "decision_to_assess",
            "decision_to_assess_date",
            lambda d: DecideToAssess(yes=assess, on=d, appeal_information_given=appeal, by=IMPORT_ACTOR),
            {"yes": "decision_to_assess", "appeal_information_given": "appeal_information_given"},
        )
    if issue is not None:
        add(
            row.decision_to_issue_date,
            DECIDE_TO_ISSUE if issue else CLOSING,
            "decision_to_issue",
            "decision_to_issue_date",
            lambda d: DecideToIssue(yes=issue, on=d, appeal_information_given=appeal, by=IMPORT_ACTOR),
            {"yes": "decision_to_issue", "appeal_information_given": "appeal_information_given"},
        )
    add(
        row.draft_served_date,
        SERVE_DRAFT,
        "draft_served_date",
        "draft_served_date",
        lambda d: ServeDraft(on=d, by=IMPORT_ACTOR),
    )
    add(
        row.family_response_date,
        FAMILY_RESPONSE,
        "family_response_date",
        "family_response_date",
        lambda d: RecordFamilyResponse(on=d, by=IMPORT_ACTOR),
    )
    add(
        row.final_plan_date,
        CLOSING,
        "final_plan_date",
        "final_plan_date",
        lambda d: IssueFinalPlan(on=d, by=IMPORT_ACTOR),
    )
    if row.outcome is Outcome.WITHDRAWN:
        add(row.outcome_date, CLOSING, "outcome", "outcome_date", lambda d: Withdraw(on=d, by=IMPORT_ACTOR))
    if row.outcome is Outcome.TRANSFERRED_OUT:
        add(
            row.outcome_date, CLOSING, "outcome", "outcome_date", lambda d: TransferOut(on=d, by=IMPORT_ACTOR)
        )
    return steps


def _at(make: Callable[[date], CaseCommand], on: date) -> Callable[[AdviceIds], CaseCommand]:
    return lambda _: make(on)


def _case_exception_step(row: CaseLine, file: str, today: date, education: AdviceLine | None) -> _Step | None:
    """The row's E-* exception. A closure exception without its own request date is
    taken against the case's EDUCATION advice request (the school or setting asked)."""
    code = row.week20_exception_code
    if code is None:
        return None
    link = education if code in CLOSURE_CODES and row.exception_requested_date is None else None
    recorded_on = row.exception_recorded_date or row.outcome_date or today

    def build(ids: AdviceIds) -> CaseCommand:
        return RecordException(
            code=code,
            on=recorded_on,
            description=row.exception_description,
            start=row.exception_start,
            end=row.exception_end,
            requested_on=row.exception_requested_date,
            advice_id=ids[link.line] if link else None,
            by=IMPORT_ACTOR,
        )

    columns = {
        "on": "exception_recorded_date",
        "code": "week20_exception_code",
        "start": "exception_start",
        "end": "exception_end",
        "description": "exception_description",
        "requested_on": "exception_requested_date",
        "advice_id": "week20_exception_code",
    }
    return _Step(
        recorded_on,
        EXCEPTION,
        file,
        row.line,
        "week20_exception_code",
        columns,
        build,
        not_before=link.requested_date if link else None,
    )


def _closed_late(case: Case, breaches: list[Deadline]) -> list[Deadline]:
    """Of an open case's implied breaches, those its workflow will not raise: the deadline is no
    longer open (met late), or its advice is closed (recorded as not received)."""
    now = {d.key: d for d in deadlines(case, case.latest_event_date())}
    out = []
    for b in breaches:
        current = now.get(b.key)
        advice = case.advice_by_id(b.subject) if b.subject else None
        if current is None or not current.is_open or (advice is not None and not advice.is_open):
            out.append(b)
    return out


def _more_exception_step(
    x: ExceptionLine, file: str, advice: list[AdviceLine], case_row: CaseLine, today: date
) -> _Step:
    """One row of exceptions.csv: a case's exception (E-*) or one advice request's (A-*)."""
    link: AdviceLine | None = None
    if x.advice_kind is not None:
        matches = [
            a
            for a in advice
            if a.kind is x.advice_kind and x.advice_requested_date in (None, a.requested_date)
        ]
        if not matches:
            raise _Refused(
                [RowError(file, x.line, "advice_kind", f"no {x.advice_kind} request on case {x.ref}")]
            )
        if len(matches) > 1:
            reason = f"case {x.ref} has {len(matches)} {x.advice_kind} requests: give advice_requested_date"
            raise _Refused([RowError(file, x.line, "advice_requested_date", reason)])
        link = matches[0]
    on = x.recorded_date or (
        (link.returned_date or link.not_received_date or link.requested_date)
        if link is not None and x.code.applies_to_advice
        else case_row.outcome_date or today
    )

    def build(ids: AdviceIds) -> CaseCommand:
        return RecordException(
            code=x.code,
            on=on,
            description=x.description,
            start=x.start,
            end=x.end,
            requested_on=x.requested_date,
            appointment_on=x.appointment_date,
            advice_id=ids[link.line] if link is not None else None,
            by=IMPORT_ACTOR,
        )

    columns = {
        "on": "recorded_date",
        "code": "code",
        "advice_id": "advice_kind",
        "start": "start",
        "end": "end",
        "description": "description",
        "requested_on": "requested_date",
        "appointment_on": "appointment_date",
    }
    return _Step(
        on, EXCEPTION, file, x.line, "code", columns, build, not_before=link.requested_date if link else None
    )


def _returned_after_close(case_row: CaseLine, row: AdviceLine) -> bool:
    return (
        row.status is AdviceStatus.RECEIVED
        and row.returned_date is not None
        and case_row.outcome_date is not None
        and row.returned_date > case_row.outcome_date
    )


def _legacy_week20(row: CaseLine) -> bool:
    """SEN2 Week20 = 1 kept by an earlier system without the exception's code or dates."""
    return bool(row.week20) and row.week20_exception_code is None


def _advice_steps(row: AdviceLine, file: str, returned: bool = True) -> list[_Step]:
    def step(on: date, rank: int, column: str, columns: dict[str, str], build, **kw) -> _Step:
        return _Step(on, rank, file, row.line, column, columns, build, not_before=row.requested_date, **kw)

    existing = row.existing_advice_date if row.status is AdviceStatus.EXISTING_USED else None
    steps = [
        step(
            row.requested_date,
            REQUEST_ADVICE,
            "kind",
            {
                "requested_on": "requested_date",
                "advice_kind": "kind",
                "provider_team": "provider_team",
                "existing_advice_date": "existing_advice_date",
                "received_on": "received_date",
            },
            lambda _: RequestAdvice(
                advice_kind=row.kind,
                provider_team=row.provider_team,
                requested_on=row.requested_date,
                received_on=row.received_date,
                existing_advice_date=existing,
                by=IMPORT_ACTOR,
            ),
            requests_advice_line=row.line,
        )
    ]
    if returned and row.status is AdviceStatus.RECEIVED and row.returned_date is not None:
        returned_on = row.returned_date
        steps.append(
            step(
                returned_on,
                ADVICE_RETURNED,
                "status",
                {"returned_on": "returned_date", "document_ref": "document_ref"},
                lambda ids: SubmitAdvice(
                    advice_id=ids[row.line],
                    returned_on=returned_on,
                    document_ref=row.document_ref or "",
                    by=IMPORT_ACTOR,
                ),
            )
        )
    if row.status is AdviceStatus.NOT_RECEIVED and row.not_received_date is not None:
        missing = row.not_received_date
        steps.append(
            step(
                missing,
                ADVICE_RETURNED,
                "status",
                {"on": "not_received_date"},
                lambda ids: RecordAdviceNotReceived(advice_id=ids[row.line], on=missing, by=IMPORT_ACTOR),
            )
        )
    if row.status is AdviceStatus.WITHDRAWN and row.withdrawn_date is not None:
        withdrawn = row.withdrawn_date
        steps.append(
            step(
                withdrawn,
                ADVICE_RETURNED,
                "status",
                {"on": "withdrawn_date"},
                lambda ids: WithdrawAdviceRequest(
                    advice_id=ids[row.line],
                    on=withdrawn,
                    reason="withdrawn before the import",
                    by=IMPORT_ACTOR,
                ),
            )
        )
    if row.exception_code is not None:
        recorded_on = (
            row.exception_recorded_date or row.returned_date or row.not_received_date or row.requested_date
        )
        code = row.exception_code
        steps.append(
            step(
                recorded_on,
                EXCEPTION,
                "exception_code",
                {
                    "on": "exception_recorded_date",
                    "code": "exception_code",
                    "advice_id": "exception_code",
                    "start": "exception_start",
                    "end": "exception_end",
                    "description": "exception_description",
                    "appointment_on": "appointment_date",
                },
                lambda ids: RecordException(
                    code=code,
                    on=recorded_on,
                    description=row.exception_description,
                    start=row.exception_start,
                    end=row.exception_end,
                    appointment_on=row.appointment_date,
                    advice_id=ids[row.line],
                    by=IMPORT_ACTOR,
                ),
            )
        )
    return steps
