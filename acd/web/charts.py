"""Small bar charts for the reports page, drawn here as inline SVG (no script, no library).

Why on the server: the figures are already computed here and shown in the table beside
each chart, so the chart is a picture of the table; an SVG in the page needs nothing loaded
in the browser, prints, scales with the page, and is one image for a screen reader
(``role="img"`` named by its title, the figure's visible caption, and described by its
``desc``: the range of its values), whose data the table gives in full. A chart library
would bring a bundle, its own keyboard and screen-reader behaviour to check, and would draw
the same few bars.

An interval with nothing to show (no calls: no service level) has no bar; one whose value is
zero (a service level of 0 %) has a thin mark on the axis, so the two do not look alike.
Every interval keeps its place on the axis, so the bars line up with the intervals' times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 160
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24  # room for the axis labels
ZERO = 3  # the height of a zero's mark


@dataclass(frozen=True, slots=True)
class Chart:
    chart_id: str  # unique in the page: the ids of its title and description
    title: str
    description: str  # what the values are, e.g. "from 0 to 12 calls"
    values: Sequence[float | None]
    first_label: str
    last_label: str
    ceiling: float | None = None  # the axis' top (100 for percentages); None: the highest
    unit: str = ""  # after the top value, e.g. " %"


def bar_chart(chart: Chart) -> Markup:
    """The chart as a ``<figure>``: its title the visible caption, which names the image."""
    top = chart.ceiling or max((v for v in chart.values if v is not None), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(chart.values), 1)
    bars = []
    for i, value in enumerate(chart.values):
        if value is None:
            continue
        h = plot_h * min(value, top) / top if value > 0 else ZERO
        x, y = LEFT + i * step + step * 0.1, TOP + plot_h - h
        kind = "" if value > 0 else ' class="zero"'
        bars.append(f'<rect{kind} x="{x:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" '
                    f'height="{h:.1f}"/>')  # fmt: skip
    title, desc, base = f"{chart.chart_id}-title", f"{chart.chart_id}-desc", TOP + plot_h
    svg = (
        f'<figure class="chart"><figcaption id="{title}">{escape(chart.title)}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title} {desc}"'
        ' focusable="false">'
        f'<desc id="{desc}">{escape(chart.description)}</desc>'
        f'<g class="bars">{"".join(bars)}</g>'
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>'
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end">{_number(top)}'
        f"{escape(chart.unit)}</text>"
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 6}">{escape(chart.first_label)}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{escape(chart.last_label)}</text>"
        "</svg></figure>"
    )
    return Markup(svg)  # every text in it is escaped above


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
