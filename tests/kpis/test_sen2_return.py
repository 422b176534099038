"""The SEN2 return for collection year 2027 (calendar year 2026), from a hand-built store, item by item."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ehcna.importer.command import read_and_plan
from ehcna.importer.load import LoadReport, load_closed
from ehcna.reports.sen2 import MODULES, Collection, read_module, write_return
from ehcna.store.models import CaseRow, PersonRow
from tests.importer.rows import advice_rows, case_row, plan_issued, write_csv
from tests.kpis.cohort import CaseBuilder, save_all

ADA = {
    "forename": "Ada",
    "surname": "Example",
    "birth_date": "2015-03-01",
    "sex": "F",
    "upn": "B801200005001",
    "ethnicity": "WBRI",
    "postcode": "LS1 4AP",
}
BO = {"forename": "Bo", "surname": "Sample", "birth_date": "2021-06-01", "sex": "M", "upn_unknown": "UN1"}
CY = {"forename": "Cy", "surname": "Test", "birth_date": "2012-01-09"}
ROOT = Path(__file__).resolve().parents[2]
DI = {"forename": "Di", "surname": "Case", "birth_date": "2013-02-02", "uln": "1234567890"}


def refused(ref, received, decided, **cells):
    return case_row(
        ref,
        received,
        decision_to_assess="no",
        decision_to_assess_date=decided,
        appeal_information_given="yes",
        outcome="NOT_ASSESSED",
        outcome_date=decided,
        **cells,
    )


def store(db, tmp_path) -> None:
    cases = [
        # Ada: received 5 Jan 2026, assessed 4 Feb (day 30), plan 5 May (day 120), Oak school named
        plan_issued(
            "R-ADA",
            date(2026, 1, 5),
            120,
            **ADA,
            named_setting_urn="100000",
            school_consulted_date="2026-04-01",
        ),
        # Bo: a school's request, refused on 1 March; mediation on 1 April
        refused(
            "R-BO",
            date(2026, 1, 20),
            date(2026, 3, 1),
            request_source="SCHOOL",
            request_mediation="yes",
            request_mediation_date="2026-04-01",
            **BO,
        ),
        # Cy: assessed and decided before 2026 (H); plan on 15 Feb 2026; no identifier; no setting named
        plan_issued("R-CY", date(2025, 10, 1), 137, **CY),
        # Di: plan in 2026 with a Week20 flag from the earlier system, no code or dates
        plan_issued("R-DI", date(2026, 2, 2), 150, week20="yes", **DI, named_setting_sen_setting="OTH"),
        # no child on record: withdrawn in July 2026
        case_row("R-NOBODY", date(2026, 6, 1), outcome="WITHDRAWN", outcome_date=date(2026, 7, 1)),
        # transferred out in 2026 before the decision: W, Exported
        case_row(
            "R-MOVED",
            date(2026, 8, 1),
            outcome="TRANSFERRED_OUT",
            outcome_date=date(2026, 9, 1),
            **{**BO, "forename": "Moe", "upn_unknown": "UN8", "birth_date": "2020-01-01"},
        ),
        # refused in 2025: not in the 2027 return
        refused("R-OLD", date(2025, 1, 10), date(2025, 2, 10)),
    ]
    advice = []
    for ref, day0 in (("R-ADA", date(2026, 1, 5)), ("R-CY", date(2025, 10, 1)), ("R-DI", date(2026, 2, 2))):
        advice += advice_rows(ref, day0 + timedelta(days=31), day0 + timedelta(days=60))
    plan = read_and_plan(
        write_csv(tmp_path / "cases.csv", cases),
        write_csv(tmp_path / "advice.csv", advice),
        date(2026, 11, 28),
    )
    assert plan.errors == [], plan.errors
    load_closed(db.sessions, plan.closed, datetime(2026, 11, 28, tzinfo=UTC), LoadReport())
    # an open case, undecided at the end of 2026 (its child not yet linked)
    save_all(db, CaseBuilder("R-OPEN", date(2026, 12, 1)))


def by_request(rows):
    return {r["RequestID"]: r for r in rows}


def test_the_sen2_return_for_a_hand_built_cohort_item_by_item(db, tmp_path):
    store(db, tmp_path)
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2027), tmp_path / "out")
    files = {m: read_module(tmp_path / "out" / f"sen2_2027_{m}.csv") for m in MODULES}
    assert result.collection.reference_date == date(2027, 1, 21)

    people = {r["Forename"]: r for r in files["1_person"]}
    assert set(people) == {"Ada", "Bo", "Cy", "Di", "Moe"}  # the 2025 refusal is out; one row per child
    assert {
        k: people["Ada"][k]
        for k in ("Surname", "PersonBirthDate", "Sex", "Ethnicity", "Postcode", "UPN", "UPNunknown")
    } == {
        "Surname": "Example",
        "PersonBirthDate": "2015-03-01",
        "Sex": "F",
        "Ethnicity": "WBRI",
        "Postcode": "LS1 4AP",
        "UPN": "B801200005001",
        "UPNunknown": "",
    }
    assert people["Bo"]["UPNunknown"] == "UN1" and people["Di"]["UniqueLearnerNumber"] == "1234567890"

    requests = by_request(files["2_requests"])
    assert set(requests) == {"R-ADA", "R-BO", "R-CY", "R-DI", "R-NOBODY", "R-MOVED", "R-OPEN"}
    pick = (
        "ReceivedDate",
        "RequestSource",
        "RequestOutcomeDate",
        "RequestOutcome",
        "RequestMediation",
        "RequestTribunal",
        "Exported",
    )
    assert [requests["R-ADA"][k] for k in pick] == ["2026-01-05", "1", "2026-02-04", "Y", "0", "0", "0"]
    assert [requests["R-BO"][k] for k in pick] == ["2026-01-20", "2", "2026-03-01", "N", "1", "0", "0"]
    assert [requests["R-CY"][k] for k in pick] == [
        "2025-10-01",
        "1",
        "",
        "H",
        "0",
        "0",
        "0",
    ]  # decided 31 Oct 2025
    assert [requests["R-NOBODY"][k] for k in pick][2:4] == ["", "W"]
    assert [requests["R-MOVED"][k] for k in pick][2:] == ["", "W", "0", "0", "1"]
    assert requests["R-OPEN"]["RequestOutcome"] == "A"
    assert requests["R-ADA"]["PersonID"] == people["Ada"]["PersonID"]  # linked as DfE's template links them

    assessments = by_request(files["3_assessments"])
    assert set(assessments) == {"R-ADA", "R-CY", "R-DI"}  # only requests that went to assessment
    pick3 = ("AssessmentOutcome", "AssessmentOutcomeDate", "AssessmentMediation", "OtherTribunal", "Week20")
    assert [assessments["R-ADA"][k] for k in pick3] == ["Y", "2026-05-05", "0", "0", "0"]
    assert [assessments["R-CY"][k] for k in pick3] == ["H", "", "0", "0", "0"]  # decided to issue 20 Dec 2025
    assert [assessments["R-DI"][k] for k in pick3] == ["Y", "2026-07-02", "0", "0", "1"]

    plans = by_request(files["4a_named_plan"])
    assert {r: p["StartDate"] for r, p in plans.items()} == {
        "R-ADA": "2026-05-05",
        "R-CY": "2026-02-15",
        "R-DI": "2026-07-02",
    }
    details = sorted(
        (r["RequestID"], r["URN"], r["SENsetting"], r["PlacementRank"]) for r in files["4b_plan_detail"]
    )
    assert details == [("R-ADA", "100000", "", "1"), ("R-DI", "", "OTH", "1")]
    assert result.counts == {m: len(rows) for m, rows in files.items()}

    # the check: Cy has no identifier and no setting named; the case with no child; Di's legacy flag
    assert sorted((f.rule, f.request_id) for f in result.failures) == [
        ("S04", "R-CY"),
        ("S06", "R-NOBODY"),
        ("S06", "R-OPEN"),
        ("S08", "R-CY"),
        ("S09", "R-DI"),
    ]


# each check's wording, as the failures print it and docs/sen2.md lists it
WORDING = {
    "S01": "A request outcome of Y or N needs the date the requestor was informed of the decision "
    "(guide, G1)",
    "S02": "The request outcome date cannot be before the date the request was received (engine)",
    "S03": "The assessment outcome date is required where AssessmentOutcome is equal to 'N', "
    "and 'Y' once the plan is issued (guide, G3, G4)",
    "S04": "Where no identifier is available, record one of the UPNunknown options UN1-UN10 (guide, G11)",
    "S05": "UPN invalid (wrong check letter at character 1) "
    "(the check every DfE collection applies to a UPN)",
    "S06": "A request is returned with the child's surname, forename and date of birth "
    "(engine: no person record is linked to this request)",
    "S07": "The date of birth must be before the date the request was received (engine)",
    "S08": "A plan in force names a setting: a URN, a UKPRN or a SENsetting code (engine; module 4b)",
    "S09": "Week20 = 1 carried from an earlier system without the exception's code or dates: "
    "check it before submission (engine)",
    "S10": "Who made the request is not recorded (imported as UNKNOWN): find it before submission (engine)",
}
WHERE = {
    "S01": ("2_requests", "RequestOutcomeDate"),
    "S02": ("2_requests", "RequestOutcomeDate"),
    "S03": ("3_assessments", "AssessmentOutcomeDate"),
    "S04": ("1_person", "UPNunknown"),
    "S05": ("1_person", "UPN"),
    "S06": ("1_person", "Surname"),
    "S07": ("1_person", "PersonBirthDate"),
    "S08": ("4b_plan_detail", "URN"),
    "S09": ("3_assessments", "Week20"),
    "S10": ("2_requests", "RequestSource"),
}


def test_each_sen2_check_fires_on_a_bad_record(db, tmp_path):
    """Records the engine's rules would never write, as a load from elsewhere could leave them;
    S04, S06, S08 and S09 fire on the good cohort above. Each failure is listed with its rule's
    module, item and wording."""
    store(db, tmp_path)
    with db.sessions.begin() as s:
        s.execute(sa.update(CaseRow).where(CaseRow.ref == "R-BO").values(decision_to_assess_on=None))  # S01
        s.execute(
            sa.update(CaseRow)
            .where(CaseRow.ref == "R-MOVED")
            .values(decided_to_assess=True, decision_to_assess_on=date(2026, 7, 1))
        )  # S02
        s.execute(
            sa.update(CaseRow)
            .where(CaseRow.ref == "R-DI")
            .values(decided_to_issue=False, decision_to_issue_on=None)
        )  # S03
        s.execute(sa.update(PersonRow).where(PersonRow.forename == "Ada").values(upn="A801200005001"))  # S05
        s.execute(
            sa.update(PersonRow).where(PersonRow.forename == "Bo").values(birth_date=date(2026, 3, 1))
        )  # S07
        s.execute(sa.update(CaseRow).where(CaseRow.ref == "R-ADA").values(request_source="UNKNOWN"))  # S10
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2027), tmp_path / "bad")
    fired = {(f.rule, f.request_id) for f in result.failures}
    assert {
        ("S01", "R-BO"),
        ("S02", "R-MOVED"),
        ("S03", "R-DI"),
        ("S04", "R-CY"),
        ("S05", "R-ADA"),
        ("S06", "R-NOBODY"),
        ("S07", "R-BO"),
        ("S08", "R-CY"),
        ("S09", "R-DI"),
        ("S10", "R-ADA"),
    } <= fired
    for rule, wording in WORDING.items():
        failure = next(f for f in result.failures if f.rule == rule)
        assert (failure.module, failure.item, failure.wording) == (*WHERE[rule], wording), rule
        module, item = WHERE[rule]
        assert str(failure).endswith(f"[{module} {item}]: {wording}"), rule


def test_the_sen2_page_lists_each_check_with_the_wording_the_failures_print():
    table = {}
    for line in (ROOT / "docs" / "sen2.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in WORDING:
            table[cells[0]] = (cells[1], cells[2])
    module_names = {"1_person": "1", "2_requests": "2", "3_assessments": "3", "4b_plan_detail": "4b"}
    expected = {rule: (f"{module_names[m]}, {item}", WORDING[rule]) for rule, (m, item) in WHERE.items()}
    assert table == expected


def test_ehcna_sen2_writes_the_files_and_lists_each_failure(db, tmp_path, capsys):
    from ehcna import cli

    store(db, tmp_path)
    code = cli.main(["sen2", "--year", "2027", "--out", str(tmp_path / "cli"), "--database-url", db.url])
    out = capsys.readouterr().out
    assert code == 4  # the check found failures; the files are written all the same
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == sorted(
        f"sen2_2027_{m}.csv" for m in MODULES
    )
    assert "reference date 2027-01-21, covering 2026-01-01 to 2026-12-31" in out
    assert "S08 person" in out and "request R-CY [4b_plan_detail URN]" in out
    assert "Example" not in out  # failures name the child by the record's id, not by name
    with pytest.raises(SystemExit) as refused:
        cli.main(["sen2", "--year", "2031", "--out", str(tmp_path / "x"), "--database-url", db.url])
    assert refused.value.code == 2
    assert "--reference-date" in capsys.readouterr().err


def no_plan(ref: str, day0: date, **cells) -> dict[str, object]:
    """Assessed on day 30; no plan, decided on day 100."""
    return case_row(
        ref,
        day0,
        decision_to_assess="yes",
        decision_to_assess_date=day0 + timedelta(days=30),
        decision_to_issue="no",
        decision_to_issue_date=day0 + timedelta(days=100),
        appeal_information_given="yes",
        outcome="PLAN_NOT_ISSUED",
        outcome_date=day0 + timedelta(days=100),
        **cells,
    )


def appeals_and_settings(db, tmp_path) -> None:
    """More requests of 2026: each mediation and tribunal flag set on its own somewhere (so two
    items swapped would show), one begun after the year, and a UKPRN named."""
    day0s = {
        "R-NO-PLAN": date(2026, 1, 12),
        "R-NO-PLAN-2": date(2026, 1, 19),
        "R-PLAN-MED": date(2026, 2, 2),
        "R-PLAN-TRIB": date(2026, 2, 9),
    }
    cases = [
        # no plan (22 April): mediation on 15 May
        no_plan(
            "R-NO-PLAN",
            day0s["R-NO-PLAN"],
            forename="Ed",
            surname="Flag",
            birth_date="2014-05-05",
            assessment_mediation="yes",
            assessment_mediation_date="2026-05-15",
        ),
        # no plan (29 April): a tribunal flag from the earlier system, without its date
        no_plan("R-NO-PLAN-2", day0s["R-NO-PLAN-2"], assessment_tribunal="yes"),
        # plan on 2 June at a college (UKPRN): mediation on its content in July; a tribunal begun in
        # January 2027, after the collection's year, so not in the 2027 return
        plan_issued(
            "R-PLAN-MED",
            day0s["R-PLAN-MED"],
            120,
            forename="Fay",
            surname="Flag",
            birth_date="2009-09-09",
            named_setting_ukprn="10000001",
            other_mediation="yes",
            other_mediation_date="2026-07-01",
            other_tribunal="yes",
            other_tribunal_date="2027-01-10",
        ),
        # plan on 9 June: an appeal about its content in October
        plan_issued(
            "R-PLAN-TRIB", day0s["R-PLAN-TRIB"], 120, other_tribunal="yes", other_tribunal_date="2026-10-01"
        ),
        # refused to assess on 2 March: appeal on 1 April
        refused(
            "R-REQ-APPEAL",
            date(2026, 2, 1),
            date(2026, 3, 2),
            forename="Gus",
            surname="Flag",
            birth_date="2016-06-06",
            request_tribunal="yes",
            request_tribunal_date="2026-04-01",
        ),
    ]
    advice = [
        row
        for ref, day0 in day0s.items()
        for row in advice_rows(ref, day0 + timedelta(days=31), day0 + timedelta(days=60))
    ]
    plan = read_and_plan(
        write_csv(tmp_path / "more-cases.csv", cases),
        write_csv(tmp_path / "more-advice.csv", advice),
        date(2027, 2, 1),
    )
    assert plan.errors == [], plan.errors
    load_closed(db.sessions, plan.closed, datetime(2027, 2, 1, tzinfo=UTC), LoadReport())


def expected_outcome(decided: date | None, yes: bool | None, case: CaseRow, period) -> tuple[str, str]:
    """A SEN2 outcome from the store's own columns: H decided before the year, Y or N in it with the
    decision's date, W withdrawn or moved away by its end, else A."""
    if decided is not None and decided < period.start:
        return "H", ""
    if decided is not None and decided <= period.end:
        return ("Y" if yes else "N"), decided.isoformat()
    if case.outcome in ("WITHDRAWN", "TRANSFERRED_OUT") and case.outcome_on <= period.end:
        return "W", ""
    return "A", ""


def test_the_sen2_files_read_back_give_the_facts_the_store_holds(db, tmp_path):
    """Round trip: export, parse, and find the store's own facts in every file: the person, each
    request's outcome and its date, each assessment's, every mediation and tribunal flag (those begun
    by the end of the year), and the settings named."""
    from ehcna.store.models import AppealRow, CasePersonRow, NamedSettingRow

    store(db, tmp_path)
    appeals_and_settings(db, tmp_path)
    collection = Collection.of(2027)
    period = collection.period
    end = period.end
    with db.engine.connect() as conn:
        write_return(conn, collection, tmp_path / "rt")
    files = {m: read_module(tmp_path / "rt" / f"sen2_2027_{m}.csv") for m in MODULES}

    def flags(s, ref: str, disputes: str) -> tuple[str, str]:
        begun = {
            a.route
            for a in s.scalars(sa.select(AppealRow).where(AppealRow.case_ref == ref))
            if a.disputes == disputes and (a.started_on is None or a.started_on <= end)
        }
        return ("1" if "MEDIATION" in begun else "0"), ("1" if "TRIBUNAL" in begun else "0")

    with db.sessions() as s:
        for r in files["2_requests"]:
            case = s.get(CaseRow, r["RequestID"])
            assert r["ReceivedDate"] == case.day0.isoformat()
            link = s.get(CasePersonRow, case.ref)
            assert r["PersonID"] == (link.person_id if link else f"no-person:{case.ref}")
            outcome = expected_outcome(case.decision_to_assess_on, case.decided_to_assess, case, period)
            assert (r["RequestOutcome"], r["RequestOutcomeDate"]) == outcome, case.ref
            assert (r["RequestMediation"], r["RequestTribunal"]) == flags(s, case.ref, "REQUEST"), case.ref
            assert r["Exported"] == ("1" if case.outcome == "TRANSFERRED_OUT" else "0")
        for r in files["1_person"]:
            person = s.get(PersonRow, r["PersonID"])
            assert (r["Surname"], r["Forename"], r["PersonBirthDate"], r["UPN"]) == (
                person.surname,
                person.forename,
                person.birth_date.isoformat(),
                person.upn or "",
            )
        for r in files["4a_named_plan"]:
            assert r["StartDate"] == s.get(CaseRow, r["RequestID"]).final_plan_on.isoformat()
        assessed = {  # a request that went to assessment: Y, or H with a decision to assess
            r["RequestID"]
            for r in files["2_requests"]
            if r["RequestOutcome"] == "Y"
            or (r["RequestOutcome"] == "H" and s.get(CaseRow, r["RequestID"]).decided_to_assess)
        }
        assert {r["RequestID"] for r in files["3_assessments"]} == assessed
        for r in files["3_assessments"]:
            case = s.get(CaseRow, r["RequestID"])
            outcome = expected_outcome(case.decision_to_issue_on, case.decided_to_issue, case, period)
            if outcome[0] == "Y":  # its date is the plan's issue, once issued by the year's end
                issued = case.final_plan_on
                outcome = ("Y", issued.isoformat() if issued is not None and issued <= end else "")
            assert (r["AssessmentOutcome"], r["AssessmentOutcomeDate"]) == outcome, case.ref
            assessment = flags(s, case.ref, "ASSESSMENT")
            assert (r["AssessmentMediation"], r["AssessmentTribunal"]) == assessment, case.ref
            assert (r["OtherMediation"], r["OtherTribunal"]) == flags(s, case.ref, "PLAN"), case.ref
            assert r["Week20"] == ("1" if case.week20_exception else "0")
        named = {
            (n.case_ref, n.urn or "", n.ukprn or "", n.sen_setting or "", str(n.rank))
            for n in s.scalars(sa.select(NamedSettingRow))
            if (n.urn or n.ukprn or n.sen_setting) and s.get(CaseRow, n.case_ref).final_plan_on <= end
        }
        details = files["4b_plan_detail"]
        for r in details:
            assert r["PersonID"] == s.get(CasePersonRow, r["RequestID"]).person_id
    items = ("RequestID", "URN", "UKPRN", "SENsetting", "PlacementRank")
    assert {tuple(r[k] for k in items) for r in details} == named

    # the cohort gives every code and flag something to be compared on
    assert {r["RequestOutcome"] for r in files["2_requests"]} == {"Y", "N", "H", "W", "A"}
    assert {r["AssessmentOutcome"] for r in files["3_assessments"]} == {"Y", "N", "H"}
    for module, items in (
        ("2_requests", ("RequestMediation", "RequestTribunal")),
        ("3_assessments", ("AssessmentMediation", "AssessmentTribunal", "OtherMediation", "OtherTribunal")),
    ):
        for item in items:
            assert "1" in {r[item] for r in files[module]}, item
    assert by_request(files["3_assessments"])["R-PLAN-MED"]["OtherTribunal"] == "0"  # begun in 2027
    assert {n[1] or n[2] or n[3] for n in named} == {"100000", "10000001", "OTH"}


def test_a_mediation_begun_after_the_year_is_not_in_that_years_return_and_an_unknown_source_is_flagged(
    db, tmp_path
):
    from domain.appeals import Disputed, RecordAppeal, Route
    from ehcna.store.appeals import record_appeal
    from tests.kpis.cohort import OFFICER

    store(db, tmp_path)
    with db.sessions.begin() as s:
        cmd = RecordAppeal(
            route=Route.TRIBUNAL, disputes=Disputed.REQUEST, started_on=date(2027, 1, 5), by=OFFICER
        )
        record_appeal(s, "R-BO", cmd, date(2027, 2, 1), datetime(2027, 2, 1, tzinfo=UTC))
        s.execute(sa.update(CaseRow).where(CaseRow.ref == "R-ADA").values(request_source="UNKNOWN"))
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2027), tmp_path / "y")
    bo = by_request(read_module(tmp_path / "y" / "sen2_2027_2_requests.csv"))["R-BO"]
    assert (bo["RequestMediation"], bo["RequestTribunal"]) == ("1", "0")  # the tribunal began in 2027
    assert ("S10", "R-ADA") in {(f.rule, f.request_id) for f in result.failures}


def test_a_school_consulted_but_not_named_is_no_plan_detail(db, tmp_path):
    """Module 4b lists settings named in the plan; a consultation alone (named_settings.consulted_on
    with no setting) is not one, and the plan still needs its setting (S08)."""
    day0 = date(2026, 1, 5)
    plan = read_and_plan(
        write_csv(
            tmp_path / "cases.csv",
            [plan_issued("R-ASKED", day0, **ADA, school_consulted_date="2026-04-10")],
        ),
        write_csv(
            tmp_path / "advice.csv",
            advice_rows("R-ASKED", day0 + timedelta(days=31), day0 + timedelta(days=60)),
        ),
        date(2026, 11, 28),
    )
    assert plan.errors == [], plan.errors
    load_closed(db.sessions, plan.closed, datetime(2026, 11, 28, tzinfo=UTC), LoadReport())
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2027), tmp_path / "out")
    assert read_module(tmp_path / "out" / "sen2_2027_4b_plan_detail.csv") == []
    assert ("S08", "R-ASKED") in {(f.rule, f.request_id) for f in result.failures}


def test_the_per_case_extract_marks_a_week20_flag_carried_from_an_earlier_system(db, tmp_path):
    """ehcna export sen2: Week20Legacy = 1 on Di's request (week20 = yes imported without a code or
    dates), 0 beside a Week20 the engine holds the exception for, and on every other request."""
    import csv
    import io

    from ehcna.reports.exports import write_sen2_csv

    store(db, tmp_path)
    more = plan_issued(
        "R-EXCEPTED",
        date(2026, 1, 5),
        150,
        week20_exception_code="E-PERS",
        exception_start="2026-02-01",
        exception_description="illness",
    )
    advice = advice_rows("R-EXCEPTED", date(2026, 2, 5), date(2026, 3, 8))
    plan = read_and_plan(
        write_csv(tmp_path / "more.csv", [more]),
        write_csv(tmp_path / "more-advice.csv", advice),
        date(2026, 11, 28),
    )
    assert plan.errors == [], plan.errors
    load_closed(db.sessions, plan.closed, datetime(2026, 11, 28, tzinfo=UTC), LoadReport())
    out = io.StringIO()
    with db.engine.connect() as conn:
        write_sen2_csv(conn, out, with_ref=True)
    rows = {r["CaseRef"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert {ref: (r["Week20"], r["Week20Legacy"]) for ref, r in rows.items() if r["Week20"] == "1"} == {
        "R-DI": ("1", "1"),
        "R-EXCEPTED": ("1", "0"),
    }
    assert {r["Week20Legacy"] for ref, r in rows.items() if ref != "R-DI"} == {"0"}
