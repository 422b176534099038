"""The outlook's fan chart of K1, drawn on the server like the K1 chart (``charts.py``).

The months recorded are bars; the months ahead are the forecast's median as a line with round
markers inside its 80% range (a shaded band); a scenario's median is a dashed line with square
markers. Shapes, not only colours, tell them apart; the page shows every figure in a table too.
"""

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from domain.kpis import Figure, Period
from ehcna.forecast.outlook import Band, MonthAhead
from ehcna.web.pages.charts import (
    BAR_COLOUR,
    BOTTOM,
    GRID_COLOUR,
    HEIGHT,
    LEFT,
    LINE_COLOUR,
    RIGHT,
    TOP,
    WIDTH,
)

BAND_COLOUR = "#bbd4ea"  # GOV.UK light blue, 25%


@dataclass(frozen=True)
class FanRow:
    month: str  # "October 2026"
    recorded: str  # "79.3% (23/29)", or "" for a month ahead
    forecast: str  # "62% (57% to 67%)", or "" for a month recorded
    scenario: str
    change: str


@dataclass(frozen=True)
class FanChart:
    svg: Markup
    description: str
    rows: list[FanRow]


def _pct(band: Band) -> str:
    return band.words("%") if band.median is not None else "no plans expected"


def fan_chart(
    recorded: list[tuple[Period, Figure]],
    ahead: list[MonthAhead],
    scenario: list[MonthAhead] | None = None,
    element_id: str = "outlook-chart",
) -> FanChart:
    if not ahead:
        raise ValueError("a fan chart needs at least one month ahead")
    months = len(recorded) + len(ahead)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / months

    def y(percent: float) -> float:
        return TOP + plot_h * (1 - percent / 100)

    def x(i: int) -> float:
        return LEFT + (i + 0.5) * slot

    parts: list[str] = []
    for pct in range(0, 101, 20):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(pct) + 5:.1f}" text-anchor="end">{pct}%</text>'
        )
    for i, (_, figure) in enumerate(recorded):
        if figure.percent is not None:
            top = y(figure.percent)
            parts.append(
                f'<rect x="{LEFT + i * slot + slot * 0.2:.1f}" y="{top:.1f}" width="{slot * 0.6:.1f}" '
                f'height="{TOP + plot_h - top:.1f}" fill="{BAR_COLOUR}"/>'
            )
    first = len(recorded)
    shown = [(first + i, m.k1) for i, m in enumerate(ahead) if m.k1.median is not None]
    if shown:
        upper = " ".join(f"{x(i):.1f},{y(b.high or 0):.1f}" for i, b in shown)
        lower = " ".join(f"{x(i):.1f},{y(b.low or 0):.1f}" for i, b in reversed(shown))
        parts.append(f'<polygon points="{upper} {lower}" fill="{BAND_COLOUR}" stroke="none"/>')
        line = " ".join(f"{x(i):.1f},{y(b.median or 0):.1f}" for i, b in shown)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{BAR_COLOUR}" stroke-width="3"/>')
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(b.median or 0):.1f}" r="6" fill="{BAR_COLOUR}"/>'
            for i, b in shown
        ]
    if scenario:
        other = [(first + i, m.k1) for i, m in enumerate(scenario) if m.k1.median is not None]
        if other:
            line = " ".join(f"{x(i):.1f},{y(b.median or 0):.1f}" for i, b in other)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{LINE_COLOUR}" stroke-width="3" '
                f'stroke-dasharray="10 6"/>'
            )
            parts += [
                f'<rect x="{x(i) - 5:.1f}" y="{y(b.median or 0) - 5:.1f}" width="10" height="10" '
                f'fill="{LINE_COLOUR}"/>'
                for i, b in other
            ]
    # the forecast date: a vertical rule between the months recorded and those ahead
    if recorded:
        rule = LEFT + first * slot
        parts.append(
            f'<line x1="{rule:.1f}" x2="{rule:.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{LINE_COLOUR}" '
            f'stroke-width="1" stroke-dasharray="2 4"/>'
        )
    periods = [p for p, _ in recorded] + [m.month for m in ahead]
    for i, period in enumerate(periods):
        parts.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">{period.start:%b}</text>'
        )
        if i == 0 or period.start.month == 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 40}" text-anchor="middle" '
                f'font-weight="bold">{period.start.year}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="{LINE_COLOUR}" stroke-width="2"/>'
    )
    description = describe(recorded, ahead, scenario)
    title = "EHC plans issued within 20 weeks (K1): the months recorded and the forecast for the months ahead"
    svg = (
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" focusable="false" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{element_id}-title">{escape(title)}</title>'
        f'<desc id="{element_id}-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
    rows = [FanRow(f"{p.start:%B %Y}", str(f), "", "", "") for p, f in recorded]
    for i, m in enumerate(ahead):
        s = scenario[i] if scenario else None
        change = ""
        if s is not None and s.k1.median is not None and m.k1.median is not None:
            change = f"{s.k1.median - m.k1.median:+.1f} pts"
        rows.append(FanRow(f"{m.month.start:%B %Y}", "", _pct(m.k1), _pct(s.k1) if s else "", change))
    return FanChart(Markup(svg), description, rows)


def describe(
    recorded: list[tuple[Period, Figure]], ahead: list[MonthAhead], scenario: list[MonthAhead] | None
) -> str:
    words = []
    if recorded:
        last_period, last = recorded[-1]
        words.append(
            f"Bars: K1 recorded for the {len(recorded)} months to {last_period.start:%B %Y} (latest {last})."
        )
    first, end = ahead[0], ahead[-1]
    words.append(
        f"Line and band: the forecast for {first.month.start:%B %Y} to {end.month.start:%B %Y}, "
        f"from {_pct(first.k1)} to {_pct(end.k1)}; the band is the range 8 runs in 10 fall in."
    )
    if scenario:
        words.append(
            f"Dashed line: with the scenario, from {_pct(scenario[0].k1)} to {_pct(scenario[-1].k1)}."
        )
    return " ".join(words)
