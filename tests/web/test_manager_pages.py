"""The manager's pages: the month so far, the cases behind each KPI figure, late cases in words,
each officer's and team's workload, and every table as an audited CSV file.

Cases are written to the app's store with the KPI tests' CaseBuilder (the product's own write path),
dated from today so the pages' "today" sees them where the test puts them.
"""

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from domain.case import AdviceKind
from domain.kpis import Period
from ehcna.store.models import AuditRow, CaseOfficerRow
from ehcna.web.pages import register
from tests.kpis.cohort import CaseBuilder, plan_issued, save_all
from tests.web.test_pages import Site, error_links, today


@pytest.fixture
async def site(api) -> AsyncIterator[Site]:
    register(api.app)
    yield Site(api.app, api)


def last_month() -> Period:
    return Period.month_of(today().replace(day=1) - timedelta(days=1))


def assign(db, ref: str, officer: str) -> None:
    with db.sessions.begin() as s:
        s.add(CaseOfficerRow(case_ref=ref, officer=officer, assigned_on=today(), assigned_by="manager"))


def text_of(html: str) -> str:
    """What a reader sees: cells and paragraphs apart, links and emphasis run into their text."""
    spaced = re.sub(r"</?(td|th|tr|p|li|caption|h1|h2|dt|dd)\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", spaced)))


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def downloads(db, action: str) -> list[dict]:
    with db.sessions() as s:
        return list(s.scalars(sa.select(AuditRow.detail).where(AuditRow.action == action)).all())


def advice_cohort(db, month: Period) -> None:
    """Advice asked for 39 days before the month starts, so due on its 3rd day: health back in time,
    social care back 7 days late, psychological advice marked not received 9 days late."""
    x = CaseBuilder("ADV-1", month.start - timedelta(days=60)).assess(20)
    x.request_advice(21, kinds=(AdviceKind.HEALTH, AdviceKind.SOCIAL_CARE, AdviceKind.EP))
    x.return_advice(AdviceKind.HEALTH, month.start + timedelta(days=2))
    x.return_advice(AdviceKind.SOCIAL_CARE, month.start + timedelta(days=10))
    x.advice_not_received(AdviceKind.EP, month.start + timedelta(days=12))
    save_all(
        db,
        x,
        plan_issued("PLAN-OK", month.start + timedelta(days=5), 130),
        plan_issued("PLAN-LATE", month.start + timedelta(days=5), 152),  # 12 days late
    )
    assign(db, "ADV-1", "officer")
    assign(db, "PLAN-LATE", "officer")


async def test_the_manager_pages_and_files_are_for_managers_and_the_head_of_service(site):
    paths = (
        "/performance/kpi/K1",
        "/performance/kpi/K1.csv",
        "/performance/workload",
        "/performance/workload.csv",
        "/performance/late-cases.csv",
        "/performance.csv",
        "/performance/alerts.csv",
    )
    for who in ("officer", "health"):
        http = await site.signed_in(who)
        for path in paths:
            r = await http.get(path)
            assert r.status_code == 403, (who, path)
    for who in ("manager", "head"):
        http = await site.signed_in(who)
        for path in paths:
            assert (await http.get(path)).status_code == 200, (who, path)


async def test_the_month_picker_offers_the_month_so_far(site):
    boss = await site.signed_in("manager")
    now = Period.month_of(today())
    page = (await boss.get("/performance")).text
    options = re.findall(r'<option value="(\d{4}-\d{2})"[^>]*>([^<]+)</option>', page)
    assert options[0] == (now.label, f"{now.start:%B %Y} (so far)")
    assert options[1][0] == last_month().label and len(options) == 37
    so_far = (await boss.get(f"/performance?month={now.label}")).text
    assert f"KPI overview for {now.start:%B %Y} so far</h1>" in so_far
    assert f'<option value="{now.label}" selected>' in so_far
    later = now.end + timedelta(days=1)
    refused = (await boss.get(f"/performance?month={later:%Y-%m}")).text
    [(href, text)] = error_links(refused)
    assert href == "#month" and f"{later:%B %Y} has not started yet" in text


async def test_a_k5_figure_leads_to_its_advice_requests_and_how_late_each_was(site):
    db = site.api.db
    month = last_month()
    advice_cohort(db, month)
    boss = await site.signed_in("manager")
    page = (await boss.get(f"/performance?month={month.label}")).text
    social = f"/performance/kpi/K5.SOCIAL_CARE?month={month.label}"
    title = "Social care advice returned within 6 weeks, excluding exceptions"
    row = page.split(title, 1)[1].split("</tr>")[0]
    # 0 in time of 1: the numerator has no cases to list, the denominator links to its one
    assert f'0/<a class="govuk-link" href="{social}"' in row
    assert text_of(row).split()[0:2] == ["0.0%", "(0/1)"]
    health = page.split("Medical advice returned within 6 weeks", 1)[1].split("</tr>")[0]
    assert f'href="/performance/kpi/K5.HEALTH?month={month.label}&amp;part=numerator"' in health

    listing = await boss.get(social)
    assert listing.status_code == 200
    shown = text_of(listing.text)
    assert "Social care advice returned within 6 weeks, excluding exceptions" in shown
    assert "1 counted in" in shown and "0 in the numerator" in shown
    assert "Social care advice within 6 weeks: 7 days late" in shown
    assert "North SEN team" in shown and "Children's social care" in shown and ">officer<" in listing.text
    due = month.start + timedelta(days=3)
    assert f"{due.day} {due:%B %Y}" in shown  # dates in words
    for code in ("SOCIAL_CARE", "T2", "K5"):
        assert code not in shown, code

    ep = text_of((await boss.get(f"/performance/kpi/K5.EP?month={month.label}&part=rest")).text)
    assert "Psychological advice within 6 weeks: not received, marked 9 days late" in ep

    body = await boss.get(f"/performance/kpi/K5.EP.csv?month={month.label}")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
    [line] = rows_of(body.text)
    assert (line["case_ref"], line["item"], line["days_late"], line["in_numerator"]) == (
        "ADV-1",
        "EP-1",
        "9",
        "no",
    )
    assert line["deadline_code"] == "T2 EP" and line["asked_of"] == "ep-service"
    assert {"measure": "K5.EP", "period": month.label, "part": "all", "rows": 1}.items() <= downloads(
        db, "kpi_cases_download"
    )[0].items()


async def test_k1_figures_lead_to_the_plans_behind_the_numerator_and_the_denominator(site):
    db = site.api.db
    month = last_month()
    advice_cohort(db, month)
    boss = await site.signed_in("manager")
    page = (await boss.get(f"/performance?month={month.label}")).text
    k1 = page.split("EHC plans issued within 20 weeks, excluding exceptions", 1)[1].split("</tr>")[0]
    assert text_of(k1).split()[0:2] == ["50.0%", "(1/2)"]
    assert f'href="/performance/kpi/K1?month={month.label}&amp;part=numerator"' in k1
    assert f'href="/performance/kpi/K1?month={month.label}"' in k1
    denominator = text_of((await boss.get(f"/performance/kpi/K1?month={month.label}")).text)
    assert "PLAN-OK" in denominator and "PLAN-LATE" in denominator
    assert "Final plan within 20 weeks: 12 days late" in denominator
    assert "Final plan within 20 weeks: on time" in denominator
    numerator = text_of((await boss.get(f"/performance/kpi/K1?month={month.label}&part=numerator")).text)
    assert "PLAN-OK" in numerator and "PLAN-LATE" not in numerator
    # a count (K11) links to its cases too, and a figure the page does not show is not found
    k11 = text_of((await boss.get(f"/performance/kpi/K11.ytd?month={month.label}")).text)
    assert "Requests for an assessment received, year to date" in k11
    assert (await boss.get(f"/performance/kpi/K5.NOPE?month={month.label}")).status_code == 404
    assert (await boss.get("/performance/kpi/K99")).status_code == 404
    assert (await boss.get("/performance/kpi/K1?month=2026-13")).status_code == 404


async def test_late_cases_say_which_deadline_and_how_late_and_download(site):
    db = site.api.db
    save_all(
        db,
        CaseBuilder("LATE-T1", today() - timedelta(days=60)),  # decision due day 42: 18 days late
        CaseBuilder("ON-TIME", today() - timedelta(days=10)),
    )
    assign(db, "LATE-T1", "officer")
    boss = await site.signed_in("manager")
    page = (await boss.get("/performance/open-cases")).text
    late = page.split('id="late-cases"', 1)[1].split("</table>")[0]
    assert "LATE-T1" in late and "ON-TIME" not in late
    assert "Decision whether to assess within 6 weeks: 18 days late" in text_of(late)
    assert "North SEN team" in late and ">officer<" in late
    body = await boss.get("/performance/late-cases.csv")
    [line] = rows_of(body.text)
    assert (line["case_ref"], line["deadline_code"], line["days_late"]) == ("LATE-T1", "T1", "18")
    assert downloads(db, "late_cases_download")[0]["rows"] == 1
    k8 = rows_of((await boss.get("/performance/open-cases.csv")).text)
    assert k8[-1]["stage_name"] == "All stages" and k8[-1]["all"] == "2"


async def test_workload_per_officer_and_team(site):
    db = site.api.db
    on = today()
    save_all(
        db,
        CaseBuilder("W-LATE", on - timedelta(days=60)),  # T1 passed: late
        CaseBuilder("W-WEEK", on - timedelta(days=38)),  # T1 due in 4 days: this week
        CaseBuilder("W-LATER", on - timedelta(days=5)),  # T1 in 37 days
        CaseBuilder("W-SOUTH", on - timedelta(days=50), team="south"),  # late, not assigned
    )
    for ref in ("W-LATE", "W-WEEK"):
        assign(db, ref, "officer")
    assign(db, "W-LATER", "another-officer")
    boss = await site.signed_in("manager")
    page = (await boss.get("/performance/workload")).text
    officers = text_of(page.split('id="workload-officers"', 1)[1].split("</table>")[0])
    assert "another-officer North SEN team 1 0 0" in officers
    assert "officer North SEN team 2 1 late cases of officer 1" in officers
    assert "Not assigned South SEN team 1 1 late cases of no one 0" in officers
    teams = text_of(page.split('id="workload-teams"', 1)[1].split("</table>")[0])
    assert "North SEN team 3 1 late cases of North SEN team 1" in teams
    assert "South SEN team 1 1 late cases of South SEN team 0" in teams
    assert 'href="/cases?team=north&amp;officer=officer&amp;late=true"' in page
    lines = rows_of((await boss.get("/performance/workload.csv")).text)
    assert {
        "level": "team",
        "team": "north",
        "case_officer": "",
        "open": "3",
        "late": "1",
        "due_this_week": "1",
    } in lines
    assert downloads(db, "workload_download")[0]["rows"] == len(lines) == 5


async def test_the_overview_and_alerts_download_as_csv_and_each_download_is_audited(site):
    db = site.api.db
    month = last_month()
    advice_cohort(db, month)
    boss = await site.signed_in("manager")
    page = (await boss.get(f"/performance?month={month.label}")).text
    assert f'href="/performance.csv?month={month.label}"' in page
    lines = rows_of((await boss.get(f"/performance.csv?month={month.label}")).text)
    k1 = next(line for line in lines if line["measure"] == "K1")
    assert (k1[f"{month.label}_numerator"], k1[f"{month.label}_denominator"]) == ("1", "2")
    assert k1["title"] == "EHC plans issued within 20 weeks, excluding exceptions"
    teams = rows_of((await boss.get(f"/performance/advice-teams.csv?month={month.label}")).text)
    assert "Children's social care" in {t["team_name"] for t in teams}
    alerts = await boss.get("/performance/alerts.csv")
    assert alerts.status_code == 200 and alerts.text.startswith("claimed_at,kind,subject,case_ref")
    assert (await boss.get("/performance/stopped-cases.csv")).text.startswith("case_ref,team")
    for action in ("overview_download", "advice_teams_download", "alerts_download", "stopped_cases_download"):
        assert len(downloads(db, action)) == 1, action
    with db.sessions() as s:
        who = s.scalars(sa.select(AuditRow.actor_user).where(AuditRow.action == "overview_download")).all()
    assert who == ["manager"]
