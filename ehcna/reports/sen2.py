"""The SEN2 person-level return for one collection year, from the store alone (docs/sen2.md).

One CSV file per module (1 person, 2 requests, 3 assessments, 4a named plan, 4b plan detail, and the
annual review items of 5a active plans) with DfE's item names and codes as far as they could be confirmed
(docs/sen2-reference.md), linked by ``PersonID`` and ``RequestID`` as DfE's submission template links its
tables; and a pre-submission check that lists every failure by child, module and item with the rule's wording.

ENGINE RULE (scope, where the guide could not be read): the collection year Y covers the calendar year
Y-1; every request received by its last day is returned if it was still open at the start of that year,
closed during it, or led to a plan that had not ended before that year began. Its outcomes are as they
stood on that last day: a decision before the year is ``H``; a plan that ended by then carries its
CeaseDate and CeaseReason (module 4a) and no 5a row.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select

from domain.appeals import Disputed, Route
from domain.case import Outcome, RequestSource
from domain.kpis import Period
from domain.person import upn_problem
from ehcna.store.appeals import sen2_flag
from ehcna.store.models import CasePersonRow, CaseRow, NamedSettingRow, PersonRow
from ehcna.store.plans import PlanReviewRow, PlanRow

# census (reference) dates: from the gov.uk SEN2 page as MastodonC/witan.sen2 records it (§2);
# any other year needs --reference-date
CENSUS_DATES = {2025: date(2025, 1, 16), 2026: date(2026, 1, 15), 2027: date(2027, 1, 21)}

# SEN2 RequestSource: codes 1-5 are seen in a tool reading real returns; DfE's wording NOT CONFIRMED
REQUEST_SOURCE = {
    RequestSource.PARENT: "1",
    RequestSource.YOUNG_PERSON: "1",
    RequestSource.SCHOOL: "2",
    RequestSource.HEALTH: "3",
    RequestSource.OTHER: "5",
    RequestSource.UNKNOWN: "",
}

MODULES: dict[str, list[str]] = {
    "1_person": [
        "PersonID",
        "Surname",
        "Forename",
        "PersonBirthDate",
        "Sex",
        "Ethnicity",
        "Postcode",
        "UPN",
        "UniqueLearnerNumber",
        "UPNunknown",
    ],
    "2_requests": [
        "PersonID",
        "RequestID",
        "ReceivedDate",
        "RequestSource",
        "RequestOutcomeDate",
        "RequestOutcome",
        "RequestMediation",
        "RequestTribunal",
        "Exported",
    ],
    "3_assessments": [
        "PersonID",
        "RequestID",
        "AssessmentOutcome",
        "AssessmentOutcomeDate",
        "AssessmentMediation",
        "AssessmentTribunal",
        "OtherMediation",
        "OtherTribunal",
        "Week20",
    ],
    "4a_named_plan": ["PersonID", "RequestID", "StartDate", "CeaseDate", "CeaseReason"],
    "4b_plan_detail": [
        "PersonID",
        "RequestID",
        "URN",
        "UKPRN",
        "SENsetting",
        "PlacementRank",
        "SENunitIndicator",
        "ResourcedProvisionIndicator",
    ],
    # the annual review items of module 5a (items 5.4-5.6 in the 2024 numbering, a vendor's manual;
    # docs/sen2.md): only these of 5a are written
    "5a_active_plans": ["PersonID", "RequestID", "ReviewMeeting", "ReviewOutcome", "LastReview"],
}

# SEN2 ReviewOutcome: the decision after the latest review meeting (the vendor's manual's codes; DfE's
# own wording NOT CONFIRMED)
REVIEW_OUTCOME = {"MAINTAIN": "M", "AMEND": "A", "CEASE": "C"}

# the checks run before submission: id -> (module, item, wording); "guide" ones quote DfE's guide
# text (docs/sen2-reference.md §9, G1-G11), "engine" ones are this engine's own consistency checks
RULES: dict[str, tuple[str, str, str]] = {
    "S01": (
        "2_requests",
        "RequestOutcomeDate",
        "A request outcome of Y or N needs the date the requestor was informed of the decision (guide, G1)",
    ),
    "S02": (
        "2_requests",
        "RequestOutcomeDate",
        "The request outcome date cannot be before the date the request was received (engine)",
    ),
    "S03": (
        "3_assessments",
        "AssessmentOutcomeDate",
        "The assessment outcome date is required where AssessmentOutcome is equal to 'N', "
        "and 'Y' once the plan is issued (guide, G3, G4)",
    ),
    "S04": (
        "1_person",
        "UPNunknown",
        "Where no identifier is available, record one of the UPNunknown options UN1-UN10 (guide, G11)",
    ),
    "S05": (
        "1_person",
        "UPN",
        "UPN invalid (wrong check letter at character 1) (the check every DfE collection applies to a UPN)",
    ),
    "S06": (
        "1_person",
        "Surname",
        "A request is returned with the child's surname, forename and date of birth "
        "(engine: no person record is linked to this request)",
    ),
    "S07": (
        "1_person",
        "PersonBirthDate",
        "The date of birth must be before the date the request was received (engine)",
    ),
    "S08": (
        "4b_plan_detail",
        "URN",
        "A plan in force names a setting: a URN, a UKPRN or a SENsetting code (engine; module 4b)",
    ),
    "S10": (
        "2_requests",
        "RequestSource",
        "Who made the request is not recorded (imported as UNKNOWN): find it before submission (engine)",
    ),
    "S09": (
        "3_assessments",
        "Week20",
        "Week20 = 1 carried from an earlier system without the exception's code or dates: "
        "check it before submission (engine)",
    ),
}


@dataclass(frozen=True)
class Collection:
    year: int
    reference_date: date

    @classmethod
    def of(cls, year: int, reference_date: date | None = None) -> "Collection":
        given = reference_date or CENSUS_DATES.get(year)
        if given is None:
            raise ValueError(f"the census date of {year} is not known here: give --reference-date")
        return cls(year, given)

    @property
    def period(self) -> Period:
        """The calendar year before the census (DfE: "in the calendar year")."""
        return Period.year(self.year - 1)


@dataclass(frozen=True)
class Failure:
    rule: str
    person_id: str
    request_id: str

    @property
    def module(self) -> str:
        return RULES[self.rule][0]

    @property
    def item(self) -> str:
        return RULES[self.rule][1]

    @property
    def wording(self) -> str:
        return RULES[self.rule][2]

    def __str__(self) -> str:
        where = f"person {self.person_id} request {self.request_id} [{self.module} {self.item}]"
        return f"{self.rule} {where}: {self.wording}"


@dataclass
class Return:
    collection: Collection
    counts: dict[str, int]
    failures: list[Failure]


def _in_scope(period: Period) -> Any:
    c = CaseRow.__table__.c
    return and_(
        c.day0 <= period.end,
        or_(c.outcome_on.is_(None), c.outcome_on >= period.start, c.outcome == str(Outcome.PLAN_ISSUED)),
    )


def _rows(conn: Connection, period: Period, batch: int) -> Iterator[Any]:
    c, p = CaseRow.__table__.c, PersonRow.__table__.c
    link_table = CasePersonRow.__table__
    link = link_table.c
    flags = [sen2_flag(c.ref, route, disputes, until=period.end) for route in Route for disputes in Disputed]
    stmt = (
        select(
            *c,
            p.id.label("person_id"),
            p.surname,
            p.forename,
            p.birth_date,
            p.sex,
            p.ethnicity,
            p.postcode,
            p.upn,
            p.uln,
            p.upn_unknown,
            *flags,
        )
        .select_from(
            CaseRow.__table__.outerjoin(link_table, link.case_ref == c.ref).outerjoin(
                PersonRow.__table__, p.id == link.person_id
            )
        )
        .where(_in_scope(period))
        .order_by(p.id, c.day0, c.ref)
    )
    yield from conn.execution_options(yield_per=batch).execute(stmt)


def _d(day: Any) -> str:
    if day is None:
        return ""
    return day.isoformat() if isinstance(day, date) else str(day)[:10]


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _flag(value: Any) -> str:
    return "1" if value else "0"


def request_outcome(r: Row[Any], period: Period) -> tuple[str, str]:
    """SEN2 RequestOutcome (Y, N, A, W, H) and its date, as it stood on the period's last day."""
    decided = _day(r.decision_to_assess_on)
    if r.decided_to_assess is not None and (decided is None or decided <= period.end):
        if decided is not None and decided < period.start:
            return "H", ""
        return ("Y" if r.decided_to_assess else "N"), _d(decided)  # no date: the check says so (S01)
    closed = _day(r.outcome_on)
    if (
        r.outcome in (Outcome.WITHDRAWN, Outcome.TRANSFERRED_OUT)
        and closed is not None
        and closed <= period.end
    ):
        return "W", ""
    return "A", ""


def assessment_outcome(r: Row[Any], period: Period) -> tuple[str, str]:
    """SEN2 AssessmentOutcome (Y, N, A, W, H) and its date (the plan's issue, or the notice of no plan)."""
    decided = _day(r.decision_to_issue_on)
    if r.decided_to_issue is not None and (decided is None or decided <= period.end):
        if decided is not None and decided < period.start:
            return "H", ""
        if not r.decided_to_issue:
            return "N", _d(decided)
        issued = _day(r.final_plan_on)
        return "Y", _d(issued) if issued is not None and issued <= period.end else ""
    closed = _day(r.outcome_on)
    if (
        r.outcome in (Outcome.WITHDRAWN, Outcome.TRANSFERRED_OUT)
        and closed is not None
        and closed <= period.end
    ):
        return "W", ""
    return "A", ""


class _Writers:
    def __init__(self, folder: Path, year: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.paths = {m: folder / f"sen2_{year}_{m}.csv" for m in MODULES}
        self._files = {m: p.open("w", newline="", encoding="utf-8") for m, p in self.paths.items()}
        self.csv = {m: csv.writer(f, lineterminator="\n") for m, f in self._files.items()}
        for m, header in MODULES.items():
            self.csv[m].writerow(header)
        self.counts = dict.fromkeys(MODULES, 0)

    def row(self, module: str, values: list[str]) -> None:
        self.csv[module].writerow(values)
        self.counts[module] += 1

    def close(self) -> None:
        for f in self._files.values():
            f.close()


def write_return(conn: Connection, collection: Collection, folder: Path, batch: int = 2_000) -> Return:
    """Write the module files into ``folder`` and check them; stream the store in batches."""
    period = collection.period
    out = _Writers(folder, collection.year)
    failures: list[Failure] = []
    settings = _settings(conn, period)
    plans = plans_in_return(conn, collection)
    last_person: str | None = None
    try:
        for r in _rows(conn, period, batch):
            plan = plans.get(r.ref)
            if plan is not None and plan.ended_on is not None and plan.ended_on < period.start:
                continue  # its request closed with the plan issued, the plan ended before the year
            person_id = r.person_id or f"no-person:{r.ref}"
            if r.person_id is None:
                failures.append(Failure("S06", person_id, r.ref))
            elif r.person_id != last_person:
                _person(out, r, failures)
            last_person = r.person_id
            _request(out, r, period, person_id, failures, settings.get(r.ref, []), plan)
    finally:
        out.close()
    return Return(collection, out.counts, failures)


def _person(out: _Writers, r: Row[Any], failures: list[Failure]) -> None:
    out.row(
        "1_person",
        [
            r.person_id,
            r.surname,
            r.forename,
            _d(r.birth_date),
            r.sex or "",
            r.ethnicity or "",
            r.postcode or "",
            r.upn or "",
            r.uln or "",
            r.upn_unknown or "",
        ],
    )
    if not (r.upn or r.uln or r.upn_unknown):
        failures.append(Failure("S04", r.person_id, r.ref))
    if r.upn and upn_problem(r.upn):
        failures.append(Failure("S05", r.person_id, r.ref))


def _request(
    out: _Writers,
    r: Row[Any],
    period: Period,
    person_id: str,
    failures: list[Failure],
    named: list[Any],
    plan: "PlanItems | None" = None,
) -> None:
    outcome, outcome_on = request_outcome(r, period)
    received, born, closed = _day(r.day0), _day(r.birth_date), _day(r.outcome_on)
    if born is not None and received is not None and born >= received:
        failures.append(Failure("S07", person_id, r.ref))
    if outcome in ("Y", "N") and not outcome_on:
        failures.append(Failure("S01", person_id, r.ref))
    if r.request_source == RequestSource.UNKNOWN:
        failures.append(Failure("S10", person_id, r.ref))
    if outcome_on and received is not None and date.fromisoformat(outcome_on) < received:
        failures.append(Failure("S02", person_id, r.ref))
    exported = r.outcome == Outcome.TRANSFERRED_OUT and closed is not None and closed <= period.end
    out.row(
        "2_requests",
        [
            person_id,
            r.ref,
            _d(r.day0),
            REQUEST_SOURCE.get(r.request_source, ""),
            outcome_on,
            outcome,
            _flag(r.request_mediation),
            _flag(r.request_tribunal),
            _flag(exported),
        ],
    )
    assessed = outcome == "Y" or (outcome == "H" and r.decided_to_assess)
    if not assessed:
        return
    a_outcome, a_on = assessment_outcome(r, period)
    issued = _day(r.final_plan_on)
    issued_in_time = issued is not None and issued <= period.end
    if (a_outcome == "N" or (a_outcome == "Y" and issued_in_time)) and not a_on:
        failures.append(Failure("S03", person_id, r.ref))
    if r.week20_legacy:
        failures.append(Failure("S09", person_id, r.ref))
    out.row(
        "3_assessments",
        [
            person_id,
            r.ref,
            a_outcome,
            a_on,
            _flag(r.assessment_mediation),
            _flag(r.assessment_tribunal),
            _flag(r.other_mediation),
            _flag(r.other_tribunal),
            _flag(r.week20_exception),
        ],
    )
    if issued is None or not issued_in_time:
        return
    kept = plan is not None and plan.start_on <= period.end
    ended = kept and plan is not None and plan.ended_on is not None and plan.ended_on <= period.end
    start = plan.start_on if kept and plan is not None else issued
    cease = [_d(plan.ended_on), plan.end_reason or ""] if ended and plan is not None else ["", ""]
    out.row("4a_named_plan", [person_id, r.ref, _d(start), *cease])
    if kept and not ended and plan is not None:
        out.row("5a_active_plans", [person_id, r.ref, *plan.review_items])
    if not named:
        failures.append(Failure("S08", person_id, r.ref))
    for s in named:
        out.row(
            "4b_plan_detail",
            [person_id, r.ref, s.urn or "", s.ukprn or "", s.sen_setting or "", str(s.rank), "", ""],
        )


@dataclass(frozen=True)
class PlanItems:
    """What the return says of one plan in force (module 4a's dates, module 5a's annual review items),
    from the plans the store keeps (the plan's reference is its request's)."""

    start_on: date
    ended_on: date | None
    end_reason: str | None  # SEN2 CeaseReason, 1-9
    review_meeting: date | None  # ReviewMeeting: the latest review meeting by the reference date
    review_outcome: str  # ReviewOutcome: M, A or C, the decision after that meeting; blank if none by then
    last_review: date | None  # LastReview: the latest decision notified by the reference date

    @property
    def review_items(self) -> list[str]:
        return [_d(self.review_meeting), self.review_outcome, _d(self.last_review)]


def plans_in_return(conn: Connection, collection: Collection) -> dict[str, PlanItems]:
    """Each plan started by the period's end with its dates and its reviews as they stood on the
    reference date, as a vendor's SEN2 manual reads items 5.4-5.6: the most recent meeting on or before
    the census date, the decision that followed it if notified by then, and the most recent decision
    notified by then. A review before the engine (imported as a date) is a meeting and a decision of
    unknown outcome."""
    p, r = PlanRow.__table__.c, PlanReviewRow.__table__.c
    on = collection.reference_date
    meetings: dict[str, list[tuple[date, date | None, str]]] = {}
    held = select(r.plan_ref, r.held_on, r.decided_on, r.outcome).where(r.held_on <= on)
    for ref, held_on, decided_on, outcome in conn.execute(held):
        decided = decided_on if decided_on <= on else None
        meetings.setdefault(ref, []).append((held_on, decided, REVIEW_OUTCOME.get(outcome, "")))
    out: dict[str, PlanItems] = {}
    stmt = select(p.ref, p.start_on, p.ended_on, p.end_reason, p.review_held_on, p.imported_review_on).where(
        p.start_on <= collection.period.end
    )
    for ref, start_on, ended_on, end_reason, open_meeting, imported in conn.execute(stmt):
        found = list(meetings.get(ref, []))
        if open_meeting is not None and open_meeting <= on:  # held, its decision still to come
            found.append((open_meeting, None, ""))
        if imported is not None and imported <= on:
            found.append((imported, imported, ""))
        latest = max(found, default=None, key=lambda m: m[0])
        decisions = [m[1] for m in found if m[1] is not None]
        out[ref] = PlanItems(
            start_on=start_on,
            ended_on=ended_on,
            end_reason=end_reason,
            review_meeting=latest[0] if latest else None,
            review_outcome=latest[2] if latest and latest[1] is not None else "",
            last_review=max(decisions, default=None),
        )
    return out


def _settings(conn: Connection, period: Period) -> dict[str, list[Any]]:
    """The settings named in plans issued by the period's end (few: one or two per plan). A school
    consulted but not named (a row with only ``consulted_on``) is not one."""
    n, c = NamedSettingRow.__table__.c, CaseRow.__table__.c
    stmt = (
        select(n.case_ref, n.rank, n.urn, n.ukprn, n.sen_setting)
        .join(CaseRow.__table__, c.ref == n.case_ref)
        .where(c.final_plan_on <= period.end)
        .where(or_(n.urn.is_not(None), n.ukprn.is_not(None), n.sen_setting.is_not(None)))
        .order_by(n.case_ref, n.rank)
    )
    out: dict[str, list[Any]] = {}
    for row in conn.execute(stmt):
        out.setdefault(row.case_ref, []).append(row)
    return out


def read_module(path: Path) -> list[dict[str, str]]:
    """A module file back as rows (the round trip the tests make)."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
