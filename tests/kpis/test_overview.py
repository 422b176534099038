"""The monthly overview: changes from the previous period and a year earlier, trend, K1 chart."""

from datetime import date

from domain.kpis import Figure, Period, Trend, Unit
from ehcna.reports.overview import build_overview
from ehcna.reports.terminal import render
from tests.kpis.cohort import overview_cohort

TODAY = date(2026, 11, 20)


def rows_by_id(overview):
    return {row.id: row for row in overview.rows}


def test_overview_compares_with_the_previous_month_and_the_same_month_a_year_earlier(db):
    overview_cohort(db)  # the figures are worked out in its docstring
    with db.engine.connect() as conn:
        overview = build_overview(conn, Period.month(2026, 10), TODAY)
    assert (overview.previous.period.label, overview.year_ago.period.label) == ("2026-09", "2025-10")
    rows = rows_by_id(overview)

    k1 = rows["K1"]
    assert (k1.latest, k1.previous, k1.year_ago) == (Figure(2, 3), Figure(1, 2), Figure(1, 4))
    assert k1.change == 16.7  # 66.7 - 50.0 points
    assert k1.change_year == 41.7  # 66.7 - 25.0 points
    assert (k1.trend, k1.improving) == (Trend.UP, True)

    k2 = rows["K2"]  # 2/3 in both months: flat
    assert (k2.latest, k2.previous, k2.change, k2.trend, k2.improving) == (
        Figure(2, 3),
        Figure(2, 3),
        0.0,
        Trend.FLAT,
        None,
    )

    k9 = rows["K9"]  # the backlog rose from 1 to 2: up, and that is bad news
    assert (k9.unit, k9.latest, k9.previous, k9.year_ago) == (Unit.COUNT, 2, 1, 0)
    assert (k9.change, k9.change_year, k9.trend, k9.improving) == (1, 2, Trend.UP, False)
    assert rows["K8.weeks.20+"].latest == k9.latest

    # September's K8 is counted on 30 September, when the October plans were still open
    assert rows["K8"].previous == 6  # A, B, C, OLD, MID, NEW
    assert rows["K8"].latest == 3  # OLD, MID, NEW


def test_overview_rows_follow_kpis_md(db):
    with db.engine.connect() as conn:
        overview = build_overview(conn, Period.month(2026, 10), TODAY)
    ids = [row.id for row in overview.rows]
    assert ids[:4] == ["K1", "K2", "K3", "K4"]
    assert ids[4:8] == ["K5.HEALTH", "K5.SOCIAL_CARE", "K5.EP", "K5.EDUCATION"]
    assert ids[8:13] == ["K6.le20", "K6.20to52", "K6.gt52", "K7.mean", "K7.median"]
    assert ids[13:] == [
        "K8",
        "K8.stage.request",
        "K8.stage.advice",
        "K8.stage.drafting",
        "K8.stage.draft_served",
        "K8.weeks.0-6",
        "K8.weeks.6-12",
        "K8.weeks.12-16",
        "K8.weeks.16-20",
        "K8.weeks.20+",
        "K9",
        "K10",
        "K10.derived",
        "K11",
        "K11.ytd",
        "K12",
        "K12.ytd",
        "K13",
        "K13.ytd",
        # after the plan (plan-lifecycle.md); L9's reasons only where a plan ceased
        *(f"L{n}" for n in range(1, 10)),
    ]
    k1 = overview.rows[0]  # an empty store: 0/0 everywhere, nothing to compare
    assert (str(k1.latest), k1.change, k1.trend) == ("n/a (0/0)", None, Trend.UNKNOWN)


def test_k1_chart_covers_24_months_with_the_national_figure_of_each_year(db):
    overview_cohort(db)
    with db.engine.connect() as conn:
        overview = build_overview(conn, Period.month(2026, 10), TODAY)
    chart = {p.month.label: p for p in overview.k1_by_month}
    assert len(overview.k1_by_month) == 24
    assert (overview.k1_by_month[0].month.label, overview.k1_by_month[-1].month.label) == (
        "2024-11",
        "2026-10",
    )
    assert chart["2025-10"].k1 == Figure(1, 4)
    assert chart["2026-09"].k1 == Figure(1, 2)
    assert chart["2026-10"].k1 == Figure(2, 3)
    assert chart["2024-11"].national == Figure(39_407, 84_866)  # 46.4%, England 2024
    assert chart["2025-01"].national is None  # no national figure published for 2025


def test_a_year_overview_compares_with_the_year_before(db):
    overview_cohort(db)
    with db.engine.connect() as conn:
        overview = build_overview(conn, Period.year(2026), TODAY)
    k1 = rows_by_id(overview)["K1"]
    # 2026: A, B, C, P, Q -> in time A, C, P -> 3/5; 2025: Y1-Y4 -> 1/4
    assert (k1.latest, k1.previous, k1.year_ago) == (Figure(3, 5), Figure(1, 4), Figure(1, 4))
    assert overview.latest.as_of == TODAY  # the year is not over: open cases counted today
    assert overview.k1_by_month[-1].month.label == "2026-12"


def test_the_terminal_table_shows_figures_changes_and_arrows(db):
    overview_cohort(db)
    with db.engine.connect() as conn:
        text = render(build_overview(conn, Period.month(2026, 10), TODAY))
    k1_line = next(line for line in text.splitlines() if line.startswith("K1 "))
    for part in ("66.7% (2/3)", "50.0% (1/2)", "+16.7 pts", "25.0% (1/4)", "+41.7 pts", "↑"):
        assert part in k1_line
    assert "2026-10" in text.splitlines()[0]
    assert any(line.startswith("2024-11") and "national 46.4%" in line for line in text.splitlines())
