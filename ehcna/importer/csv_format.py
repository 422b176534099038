"""The import files (docs/import-format.md): typed rows, and every bad cell with its line.

Each row becomes a pydantic model whose fields are the CSV columns. A cell
that is not a date, a yes/no or an allowed value, and a row whose columns do
not fit together (an outcome without its date, advice "RECEIVED" without a
return date...), is reported as a ``RowError`` naming the physical line
(the header is line 1) and the column. Statutory rules are not checked
here: ``importer.plan`` replays the rows through the domain for that.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from domain.case import AdviceKind, AdviceStatus, Outcome, RequestSource
from domain.statutory_exceptions import ExceptionCode

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YES = {"yes": True, "no": False}


@dataclass(frozen=True)
class RowError:
    """One reason a row cannot be imported. ``line`` is the physical line; the header is 1."""

    file: str
    line: int
    column: str | None
    reason: str

    @property
    def order(self) -> tuple[str, int, str, str]:
        return self.file, self.line, self.column or "", self.reason

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}"
        return f"{where} [{self.column}]: {self.reason}" if self.column else f"{where}: {self.reason}"


# -- cells -------------------------------------------------------------------


def _iso_date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    text = str(value)
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"'{text}' is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date") from None


def _yes_no(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    answer = YES.get(str(value).lower())
    if answer is None:
        raise ValueError(f"'{value}' is not yes or no")
    return answer


YEAR_CODES = {"N1": -2, "N2": -1, "R": 0}  # nursery 1 and 2, reception; SEN2 counts to year 14
YEAR_GROUPS = range(-3, 15)  # as numbers: the early years (0 = R, -1 = N2, -2 = N1) to year 14


def _year_group(value: Any) -> Any:
    """A national curriculum year as SEN2 counts it: N1, N2, R or 1 to 14 (-3 to 0 as numbers)."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip().upper()
    if text in YEAR_CODES:
        return YEAR_CODES[text]
    if re.fullmatch(r"-?\d+", text) and int(text) in YEAR_GROUPS:
        return int(text)
    raise ValueError(
        f"year group '{value}' is not one SEN2 counts: "
        "use N1, N2, R or 1 to 14 (or a number from -3 to 0 for the early years)"
    )


def _one_of(choices: Iterable[StrEnum]) -> Callable[[Any], Any]:
    """Accept an allowed value in any case; refuse others, listing what is allowed."""
    allowed = {c.value: c for c in choices}

    def parse(value: Any) -> Any:
        if value is None or value in allowed.values():
            return value
        found = allowed.get(str(value).upper())
        if found is None:
            raise ValueError(f"'{value}' is not one of {', '.join(allowed)}")
        return found

    return parse


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
OptionalDate = Annotated[date | None, BeforeValidator(_iso_date)]
OptionalYesNo = Annotated[bool | None, BeforeValidator(_yes_no)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    ref: str

    def problems(self) -> list[tuple[str, str]]:
        """(column, reason) for columns that do not fit together."""
        return []


def _pair(row: BaseModel, value: str, when: str, problems: list[tuple[str, str]]) -> None:
    """A value and its date come together (a decision and the date it was notified...)."""
    has_value, has_date = getattr(row, value) is not None, getattr(row, when) is not None
    if has_value and not has_date:
        problems.append((when, f"required when {value} is given"))
    elif has_date and not has_value:
        problems.append((value, f"required when {when} is given"))


def _only_with(row: BaseModel, columns: Iterable[str], needed: str, problems: list[tuple[str, str]]) -> None:
    if getattr(row, needed) is None:
        for column in columns:
            if getattr(row, column) is not None:
                problems.append((column, f"given without {needed}"))


# -- cases.csv ----------------------------------------------------------------

CASE_EXCEPTION_DETAIL = (
    "exception_start",
    "exception_end",
    "exception_description",
    "exception_requested_date",
    "exception_recorded_date",
)


class CaseLine(_Row):
    """One case: day 0 and the dates of each step recorded so far."""

    received_date: IsoDate
    request_source: Annotated[RequestSource, BeforeValidator(_one_of(RequestSource))]
    team: str
    year_group: Annotated[int | None, BeforeValidator(_year_group)] = None
    # the child (personal data: the store only); checked as domain.person.Person when planned
    forename: str | None = None
    surname: str | None = None
    birth_date: OptionalDate = None
    sex: str | None = None
    ethnicity: str | None = None
    postcode: str | None = None
    upn: str | None = None
    uln: str | None = None
    upn_unknown: str | None = None
    nhs_number: str | None = None
    # where the child is now: a school's URN, a provider's UKPRN, or EY / NIE
    setting_urn: str | None = None
    setting_ukprn: str | None = None
    setting_type: str | None = None
    # a parent or carer (domain.person.Contact), for the store only
    contact_name: str | None = None
    contact_relationship: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None
    contact_preferred: str | None = None
    contact_interpreter_language: str | None = None
    # the setting consulted and named in the plan (SEN2 module 4b)
    named_setting_urn: str | None = None
    named_setting_ukprn: str | None = None
    named_setting_sen_setting: str | None = None
    school_consulted_date: OptionalDate = None
    transferred_in: OptionalYesNo = None  # CFA s.24: received_date is the day this council became responsible
    original_received_date: OptionalDate = None  # when the first council received the request
    decision_to_assess: OptionalYesNo = None
    decision_to_assess_date: OptionalDate = None
    decision_to_issue: OptionalYesNo = None
    decision_to_issue_date: OptionalDate = None
    appeal_information_given: OptionalYesNo = None
    draft_served_date: OptionalDate = None
    family_response_date: OptionalDate = None
    final_plan_date: OptionalDate = None
    outcome: Annotated[Outcome | None, BeforeValidator(_one_of(Outcome))] = None
    outcome_date: OptionalDate = None
    week20_exception_code: Annotated[ExceptionCode | None, BeforeValidator(_one_of(ExceptionCode))] = None
    week20: OptionalYesNo = None  # SEN2 Week20 as an earlier system kept it: yes without a code, closed cases
    exception_start: OptionalDate = None
    exception_end: OptionalDate = None
    exception_description: str | None = None
    exception_requested_date: OptionalDate = None
    exception_recorded_date: OptionalDate = None
    # SEN2 mediation and tribunal: yes/no, and the date each began when known
    request_mediation: OptionalYesNo = None
    request_tribunal: OptionalYesNo = None
    assessment_mediation: OptionalYesNo = None
    assessment_tribunal: OptionalYesNo = None
    other_mediation: OptionalYesNo = None
    other_tribunal: OptionalYesNo = None
    request_mediation_date: OptionalDate = None
    request_tribunal_date: OptionalDate = None
    assessment_mediation_date: OptionalDate = None
    assessment_tribunal_date: OptionalDate = None
    other_mediation_date: OptionalDate = None
    other_tribunal_date: OptionalDate = None

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        _pair(self, "decision_to_assess", "decision_to_assess_date", out)
        _pair(self, "decision_to_issue", "decision_to_issue_date", out)
        _pair(self, "outcome", "outcome_date", out)
        code = self.week20_exception_code
        if code is not None and not code.applies_to_case:
            out.append(("week20_exception_code", f"{code} is an advice exception: give it in advice.csv"))
        _only_with(self, CASE_EXCEPTION_DETAIL, "week20_exception_code", out)
        if self.week20 is False and code is not None:
            out.append(("week20", f"no, but week20_exception_code is {code}"))
        if self.week20 and code is None and self.outcome is None:
            out.append(
                ("week20", "yes without an exception code is kept only for a closed case (give outcome)")
            )
        if self.original_received_date is not None and not self.transferred_in:
            out.append(("original_received_date", "given only with transferred_in = yes"))
        # mediation and appeals follow the decision they dispute (domain.appeals checks the dates)
        for column in APPEAL_COLUMNS:
            if getattr(self, f"{column}_date") is not None and getattr(self, column) is not True:
                out.append((column, f"must be yes when {column}_date is given"))
        for column in ("request_mediation", "request_tribunal"):
            if getattr(self, column) and self.decision_to_assess is not False:
                out.append((column, "only after a decision not to assess (decision_to_assess=no)"))
        for column in ("assessment_mediation", "assessment_tribunal"):
            if getattr(self, column) and self.decision_to_issue is not False:
                out.append((column, "only after a decision not to issue a plan (decision_to_issue=no)"))
        for column in ("other_mediation", "other_tribunal"):
            if getattr(self, column) and self.final_plan_date is None:
                out.append((column, "only about an issued plan (final_plan_date)"))
        return out


# SEN2 items: (column, route, the decision disputed)
APPEAL_COLUMNS = (
    "request_mediation",
    "request_tribunal",
    "assessment_mediation",
    "assessment_tribunal",
    "other_mediation",
    "other_tribunal",
)


# -- advice.csv -----------------------------------------------------------------

ADVICE_EXCEPTION_DETAIL = (
    "exception_start",
    "exception_end",
    "exception_description",
    "appointment_date",
    "exception_recorded_date",
)
# the dates each advice status must have, and may have
STATUS_DATES: dict[AdviceStatus, tuple[str | None, set[str]]] = {
    AdviceStatus.REQUESTED: (None, set()),
    AdviceStatus.RECEIVED: ("returned_date", {"returned_date"}),
    AdviceStatus.NOT_RECEIVED: ("not_received_date", {"not_received_date"}),
    AdviceStatus.EXISTING_USED: ("existing_advice_date", {"existing_advice_date"}),
    AdviceStatus.WITHDRAWN: ("withdrawn_date", {"withdrawn_date"}),
}


class AdviceLine(_Row):
    """One request for advice on a case (reg 6(1)) and what came of it."""

    kind: Annotated[AdviceKind, BeforeValidator(_one_of(AdviceKind))]
    provider_team: str
    requested_date: IsoDate
    received_date: OptionalDate = None  # the body received the request: T2 starts then
    status: Annotated[AdviceStatus, BeforeValidator(_one_of(STATUS_DATES))]
    returned_date: OptionalDate = None
    withdrawn_date: OptionalDate = None
    not_received_date: OptionalDate = None
    existing_advice_date: OptionalDate = None
    document_ref: str | None = None
    exception_code: Annotated[ExceptionCode | None, BeforeValidator(_one_of(ExceptionCode))] = None
    exception_start: OptionalDate = None
    exception_end: OptionalDate = None
    exception_description: str | None = None
    appointment_date: OptionalDate = None
    exception_recorded_date: OptionalDate = None

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        required, allowed = STATUS_DATES[self.status]
        if required is not None and getattr(self, required) is None:
            out.append((required, f"required for status {self.status}"))
        for column in ("returned_date", "not_received_date", "existing_advice_date", "withdrawn_date"):
            if column not in allowed and getattr(self, column) is not None:
                out.append((column, f"not allowed with status {self.status}"))
        if self.status is AdviceStatus.RECEIVED and self.document_ref is None:
            out.append(("document_ref", "required for status RECEIVED (where the advice is filed)"))
        if self.status is not AdviceStatus.RECEIVED and self.document_ref is not None:
            # the engine files a document only with advice it received; refuse rather than drop it
            out.append(("document_ref", f"not kept with status {self.status}, only with RECEIVED"))
        code = self.exception_code
        if code is not None and not code.applies_to_advice:
            out.append(("exception_code", f"{code} is a case exception: give it in cases.csv"))
        _only_with(self, ADVICE_EXCEPTION_DETAIL, "exception_code", out)
        return out


# -- exceptions.csv -------------------------------------------------------------


class ExceptionLine(_Row):
    """One more exception of a case's history: any number per case and per advice request."""

    code: Annotated[ExceptionCode, BeforeValidator(_one_of(ExceptionCode))]
    advice_kind: Annotated[AdviceKind | None, BeforeValidator(_one_of(AdviceKind))] = None
    advice_requested_date: OptionalDate = None  # which request of that kind, when there are several
    start: OptionalDate = None
    end: OptionalDate = None
    description: str | None = None
    requested_date: OptionalDate = None  # E-SCH, E-EY: when the school or setting was asked
    appointment_date: OptionalDate = None  # A-APPT
    recorded_date: OptionalDate = None

    def problems(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.code.applies_to_advice and self.advice_kind is None:
            out.append(("advice_kind", f"{self.code} is recorded against one advice request: give its kind"))
        if self.advice_requested_date is not None and self.advice_kind is None:
            out.append(("advice_kind", "given advice_requested_date without advice_kind"))
        return out


# -- reading a file -------------------------------------------------------------

R = TypeVar("R", bound=_Row)


@dataclass
class ParsedFile(Generic[R]):
    """The rows of one file that read well, and the errors of those that did not.

    ``refs`` keeps the reference written on every row, good or bad, so a bad
    case row does not make its advice rows look orphaned.
    """

    name: str
    rows: list[R] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    refs: dict[int, str] = field(default_factory=dict)

    @property
    def bad_lines(self) -> set[int]:
        return {e.line for e in self.errors}


def columns_of(model: type[_Row]) -> tuple[list[str], list[str]]:
    """The (required, optional) columns of a file, in the documented order."""
    names = [n for n in model.model_fields if n != "line"]
    required = [n for n in names if model.model_fields[n].is_required()]
    return required, [n for n in names if n not in required]


def validation_errors(
    err: ValidationError, file: str, line: int, columns: Mapping[str, str], default: str | None
) -> list[RowError]:
    """A pydantic error as row errors, each on the CSV column its field comes from."""
    out = []
    for e in err.errors():
        field_name = str(e["loc"][0]) if e["loc"] else None
        column = columns.get(field_name, field_name) if field_name else default
        if e["type"] == "value_error":
            reason = str(e["ctx"]["error"])
        elif e["type"] == "missing" or e.get("input") is None:
            reason = "a value is required"
        else:
            reason = e["msg"]
        out.append(RowError(file, line, column, reason))
    return out


def _read_header(header: list[str], model: type[_Row], name: str) -> tuple[list[str], list[RowError]]:
    required, optional = columns_of(model)
    names = [h.strip().lower() for h in header]
    errors = [RowError(name, 1, h, "unknown column") for h in names if h not in required + optional]
    errors += [RowError(name, 1, h, "column appears twice") for h in set(names) if names.count(h) > 1]
    errors += [RowError(name, 1, c, "required column is missing") for c in required if c not in names]
    return names, errors


def read_rows(path: Path, model: type[R], name: str | None = None) -> ParsedFile[R]:
    """Read ``path`` (UTF-8, with or without a BOM) into ``model`` rows, keeping every error."""
    parsed: ParsedFile[R] = ParsedFile(name or path.name)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        parsed.errors.append(RowError(parsed.name, line, None, "not UTF-8 text: save the file as CSV UTF-8"))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # a stray quote is an error
    _read(_records(reader, parsed), model, parsed)
    parsed.errors.sort(key=lambda e: e.order)
    return parsed


def _records(reader: Any, parsed: ParsedFile[Any]) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted cell may span lines).

    A record that is not CSV ends the file: the rows after it cannot be told apart.
    """
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            reason = f"not readable as CSV ({err}); this row and the rest of the file are not read"
            parsed.errors.append(RowError(parsed.name, line, None, reason))
            return
        yield line, cells
        line = reader.line_num + 1


def _read(records: Iterator[tuple[int, list[str]]], model: type[R], parsed: ParsedFile[R]) -> None:
    first = next(records, None)
    if first is None:
        if not parsed.errors:
            parsed.errors.append(
                RowError(parsed.name, 1, None, "the file is empty; the first line is the header")
            )
        return
    names, header_errors = _read_header(first[1], model, parsed.name)
    if header_errors:  # the columns cannot be trusted, so neither can any row
        parsed.errors += header_errors
        return
    for this, cells in records:
        values = [c.strip() for c in cells]
        if not any(values):
            continue
        if len(values) > len(names):
            parsed.errors.append(
                RowError(parsed.name, this, None, f"{len(values)} cells but the header has {len(names)}")
            )
            continue
        record: dict[str, Any] = {n: (v or None) for n, v in zip(names, values, strict=False)}
        parsed.refs[this] = record.get("ref") or ""
        _parse_row(model, record, this, parsed)


def _parse_row(model: type[R], record: dict[str, Any], line: int, parsed: ParsedFile[R]) -> None:
    try:
        row = model.model_validate({**record, "line": line})
    except ValidationError as err:
        parsed.errors += validation_errors(err, parsed.name, line, {}, None)
        return
    problems = row.problems()
    if problems:
        parsed.errors += [RowError(parsed.name, line, column, reason) for column, reason in problems]
        return
    parsed.rows.append(row)


def read_cases(path: Path) -> ParsedFile[CaseLine]:
    return read_rows(path, CaseLine)


def read_advice(path: Path) -> ParsedFile[AdviceLine]:
    return read_rows(path, AdviceLine)


def read_exceptions(path: Path) -> ParsedFile[ExceptionLine]:
    return read_rows(path, ExceptionLine)


# for the streaming reader (importer.stream), which reads the rows itself
header_problems = _read_header
parse_record = _parse_row
