"""The managers' view of L1-L9: the overview's plan rows, each figure leading to the plans behind it
(page and CSV), for managers and the head of service only.

Plans are written to the app's store with the KPI tests' PlanBuilder (the product's own write path),
dated from today so the pages' "today" sees them in last month.
"""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from ehcna.web.pages import register
from tests.kpis.plan_cohort import PlanBuilder
from tests.web.test_manager_pages import last_month, rows_of, text_of
from tests.web.test_pages import Site


@pytest.fixture
async def site(api) -> AsyncIterator[Site]:
    register(api.app)
    yield Site(api.app, api)


def plans_for(db, month) -> None:
    """Two amended plans issued in the month, 60 days (4 days late) and 25 days after their notices,
    a plan whose first review was due about two weeks before the month (overdue at its end), and a plan
    ceased in the month, its needs met without a plan."""
    PlanBuilder(db, "PL-LATE", month.start - timedelta(days=200)).amend(
        month.start - timedelta(days=50), month.start + timedelta(days=10)
    )
    PlanBuilder(db, "PL-OK", month.start - timedelta(days=200)).amend(
        month.start - timedelta(days=20), month.start + timedelta(days=5)
    )
    PlanBuilder(db, "PL-OVERDUE", month.start - timedelta(days=380))
    PlanBuilder(db, "PL-CEASED", month.start - timedelta(days=300)).cease(
        month.start - timedelta(days=10), month.start + timedelta(days=3)
    )


async def test_the_plan_measures_lead_to_the_plans_behind_them(site):
    month = last_month()
    plans_for(site.api.db, month)
    boss = await site.signed_in("manager")
    page = (await boss.get(f"/performance?month={month.label}")).text
    assert "Plans in force: reviews, amendments, transfers" in page
    l6 = page.split("Amended plans issued within 8 weeks of the notice", 1)[1].split("</tr>")[0]
    assert text_of(l6).split()[0:2] == ["50.0%", "(1/2)"]
    assert f'href="/performance/kpi/L6?month={month.label}&amp;part=numerator"' in l6
    l1 = page.split("EHC plans in force at the end of the period", 1)[1].split("</tr>")[0]
    assert f'href="/performance/kpi/L1?month={month.label}"' in l1 and text_of(l1).split()[0] == "3"
    ceased = page.split("Plans ceased, by reason (L9, SEN2 CeaseReason)", 1)[1].split("</table>")[0]
    assert "Needs met without a plan" in ceased and "reason 2" not in ceased
    assert f'href="/performance/kpi/L9.reason.2?month={month.label}"' in ceased

    late = await boss.get(f"/performance/kpi/L6?month={month.label}&part=rest")
    assert late.status_code == 200
    shown = text_of(late.text)
    assert "PL-LATE" in shown and "PL-OK" not in shown
    assert 'href="/plans/PL-LATE"' in late.text
    assert "Amended plan issued within 8 weeks of the amendment notice (reg 22): 4 days late" in shown
    overdue = text_of((await boss.get(f"/performance/kpi/L8?month={month.label}")).text)
    assert "PL-OVERDUE" in overdue and "PL-OK" not in overdue
    assert "Annual review of the plan within 12 months (CFA s.44(1)):" in overdue and "days late" in overdue

    body = await boss.get(f"/performance/kpi/L6.csv?month={month.label}")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/csv")
    lines = {line["plan_ref"]: line for line in rows_of(body.text)}
    assert set(lines) == {"PL-LATE", "PL-OK"}
    assert (lines["PL-LATE"]["deadline_code"], lines["PL-LATE"]["days_late"]) == ("R7", "4")
    assert lines["PL-OK"]["in_numerator"] == "yes" and lines["PL-LATE"]["status"] == "in_force"
    assert (await boss.get(f"/performance/kpi/L9.reason.99?month={month.label}")).status_code == 404


async def test_the_plans_behind_a_figure_are_for_managers_and_the_head_of_service(site):
    month = last_month()
    plans_for(site.api.db, month)
    paths = (f"/performance/kpi/L8?month={month.label}", f"/performance/kpi/L6.csv?month={month.label}")
    for who in ("officer", "health"):
        http = await site.signed_in(who)
        for path in paths:
            assert (await http.get(path)).status_code == 403, (who, path)
    for who in ("manager", "head"):
        http = await site.signed_in(who)
        for path in paths:
            assert (await http.get(path)).status_code == 200, (who, path)


async def test_the_kpi_api_gives_the_plan_measures_with_numerator_and_denominator(site):
    month = last_month()
    plans_for(site.api.db, month)
    api = site.api
    r = await api.http.get(f"/api/kpis?month={month.label}", headers=api.auth("manager"))
    assert r.status_code == 200
    measures = {m["id"]: m for m in r.json()["measures"]}
    l6 = measures["L6"]["latest"]
    assert (l6["numerator"], l6["denominator"], l6["text"]) == (1, 2, "50.0% (1/2)")
    assert (measures["L1"]["latest"], measures["L8"]["latest"]) == (3, 1)
    assert (await api.http.get("/api/kpis", headers=api.auth("officer"))).status_code == 403
