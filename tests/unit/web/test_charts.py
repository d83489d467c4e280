"""The reports' SVG bar charts: one bar per interval with a value, a mark for a zero, none
for nothing to show, every text escaped, the image named by its visible caption."""

from __future__ import annotations

import re

from acd.web.charts import Chart, bar_chart


def test_a_zero_is_marked_and_nothing_is_left_empty() -> None:
    svg = str(bar_chart(Chart("c1", "Livello <di> servizio", "Da 0 % a 100 %",
                              [50.0, None, 0.0, 100.0], "00:00", "03:00", 100, " %")))  # fmt: skip
    assert svg.startswith('<figure class="chart"><figcaption id="c1-title">Livello &lt;di&gt;')
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    rects = re.findall(r"<rect( class=\"zero\")? x=\"([\d.]+)\"", svg)
    assert [(bool(zero), float(x)) for zero, x in rects] == [(False, 58.7), (True, 352.7),
                                                           (False, 499.7)]  # fmt: skip
    assert ">100 %</text>" in svg


def test_the_axis_top_is_the_highest_value_without_a_ceiling() -> None:
    svg = str(bar_chart(Chart("c2", "Offerte", "Da 1 a 8", [8.0, 1.0], "a", "b")))
    assert ">8</text>" in svg
    assert 'height="126.0"' in svg  # the highest bar fills the plot
