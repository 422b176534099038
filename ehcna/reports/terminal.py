"""The overview as text for a terminal: the table managers read first, then the K1 chart."""

from domain.kpis import Figure, Unit, Value
from ehcna.reports.overview import Overview, OverviewRow

BAR_WIDTH = 50  # characters for 100%


def format_value(value: Value) -> str:
    if value is None:
        return "-"
    if isinstance(value, Figure):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def format_change(delta: float | int | None, unit: Unit) -> str:
    if delta is None:
        return "-"
    number = f"{delta:+.1f}" if isinstance(delta, float) else f"{delta:+d}"
    if delta == 0:
        number = number[1:]  # no sign on "no change"
    return f"{number} pts" if unit is Unit.PERCENT else number


def format_trend(row: OverviewRow) -> str:
    """The arrow, and whether the move is good news for this measure (a rising backlog is not)."""
    verdict = {True: " better", False: " worse", None: ""}[row.improving]
    return row.trend.arrow + verdict


def _cells(row: OverviewRow) -> list[str]:
    title = ("     " + row.title) if row.detail else f"{row.id.split('.')[0]:<4} {row.title}"
    return [
        title,
        format_value(row.latest),
        format_value(row.previous),
        format_change(row.change, row.unit),
        format_value(row.year_ago),
        format_change(row.change_year, row.unit),
        format_trend(row),
    ]


def overview_table(overview: Overview) -> str:
    latest, previous, year_ago = overview.latest, overview.previous, overview.year_ago
    labels = (latest.period.label, previous.period.label, year_ago.period.label)
    header = ["Measure", labels[0], labels[1], "Change", labels[2], "Change", "Trend"]
    body = [_cells(row) for row in overview.rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
        rest.append(cells[-1])
        return "  ".join([first, *rest]).rstrip()

    title = (
        f"KPI overview {latest.period.label} (previous {previous.period.label}, "
        f"a year earlier {year_ago.period.label}; open cases counted on {latest.as_of.isoformat()})"
    )
    rule = "-" * len(line(header))
    return "\n".join([title, "", line(header), rule, *(line(cells) for cells in body)]) + "\n"


def k1_chart(overview: Overview) -> str:
    """K1 by month as bars, the national figure of each year marked with '|'."""
    out = ["K1 by month: plans issued within 20 weeks, excluding exceptions ('|' = national figure)", ""]
    for point in overview.k1_by_month:
        bar = [" "] * (BAR_WIDTH + 1)
        pct = point.k1.percent
        for i in range(round((pct or 0) / 100 * BAR_WIDTH)):
            bar[i] = "#"
        national = "national n/a"
        if point.national is not None and point.national.percent is not None:
            bar[round(point.national.percent / 100 * BAR_WIDTH)] = "|"
            national = f"national {point.national.percent:.1f}%"
        out.append(f"{point.month.label}  {point.k1!s:>18}  {''.join(bar)}  {national}")
    return "\n".join(out) + "\n"


def render(overview: Overview) -> str:
    return overview_table(overview) + "\n" + k1_chart(overview)
