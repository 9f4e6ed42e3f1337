"""Bar and line charts as SVG, drawn on the server: no JavaScript, nothing fetched.

Each mark carries its numbers (``data-label``, ``data-value``) and a ``<title>``
that a browser shows on hover and a screen reader reads, so a chart can be checked
against the query it plots. Every text is escaped; every number is formatted here.
The SVG scales to the width of its container (``viewBox``), for phones.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Optional, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 230
# Room for the axis labels: left (y values), bottom (x labels), top and right.
LEFT, BOTTOM, TOP, RIGHT = 48, 34, 12, 12


def number(value: float) -> str:
    """A value as a chart label shows it: whole numbers with thousands separators, else one decimal."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round values from 0 to at least ``top`` for a y axis: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and top >= 1:
        step = 1
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def fill_months(counts: Mapping[str, float]) -> list[tuple[str, float]]:
    """Every month from the first to the last of ``counts`` (``YYYY-MM``), those missing as 0."""
    months = sorted(m for m in counts if m)
    if not months:
        return []
    year, month = map(int, months[0].split("-"))
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= months[-1]:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def january(label: str) -> Optional[str]:
    """An x-axis label for a monthly chart: the year, under each January."""
    return label[:4] if label.endswith("-01") else None


def every(step: int) -> Callable[[int, str], Optional[str]]:
    """An x-axis labeller that shows every ``step``th label."""
    return lambda k, label: label if k % step == 0 else None


def bar_chart(bars: Sequence[tuple[str, float]], *, name: str, title: str, description: str = "",
              label: Optional[Callable[[str], Optional[str]]] = None, width: int = WIDTH,
              height: int = HEIGHT) -> Markup:
    """A bar per (label, value), in order; ``label`` picks what the x axis shows under
    a bar (every label when None and they fit, else a few). ``name`` makes the ids
    of the chart's title and description unique on a page."""
    plot_w, plot_h, top = _frame(width, height, [v for _, v in bars])
    slot = plot_w / max(len(bars), 1)
    gap = min(slot * 0.2, 4) if slot > 3 else 0
    labeller = _labeller(bars, label, slot)
    marks, xlabels = [], []
    for k, (key, value) in enumerate(bars):
        # The top rounded first and the height taken from it, so that every bar
        # ends on the axis: each rounded alone, a bar could pass it by a hair.
        y = round(TOP + plot_h - (plot_h * value / top if top else 0), 2)
        x = LEFT + k * slot
        marks.append(
            f'<rect class="bar" x="{x + gap / 2:.2f}" y="{y:.2f}" width="{max(slot - gap, 0.5):.2f}" '
            f'height="{TOP + plot_h - y:.2f}" data-label="{escape(key)}" data-value="{escape(number(value))}">'
            f"<title>{escape(key)}: {escape(number(value))}</title></rect>")
        shown = labeller(k, key)
        if shown is not None:
            xlabels.append(f'<text x="{x + slot / 2:.2f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                           f"{escape(shown)}</text>")
    return _svg(name, title, description, width, height, _y_axis(plot_w, plot_h, top), marks, xlabels)


def line_chart(points: Sequence[tuple[str, Optional[float]]], *, name: str, title: str, description: str = "",
               label: Optional[Callable[[str], Optional[str]]] = None, width: int = WIDTH,
               height: int = HEIGHT) -> Markup:
    """A line through (label, value) points, in order; a value of None breaks the line there."""
    plot_w, plot_h, top = _frame(width, height, [v for _, v in points if v is not None])
    slot = plot_w / max(len(points), 1)
    labeller = _labeller(points, label, slot)
    runs: list[list[str]] = [[]]
    dots, xlabels = [], []
    for k, (key, value) in enumerate(points):
        x = LEFT + k * slot + slot / 2
        if value is None:
            runs.append([])
        else:
            y = TOP + plot_h - (plot_h * value / top if top else 0)
            runs[-1].append(f"{x:.2f},{y:.2f}")
            dots.append(f'<circle class="point" cx="{x:.2f}" cy="{y:.2f}" r="{2 if slot < 8 else 3}" '
                        f'data-label="{escape(key)}" data-value="{escape(number(value))}">'
                        f"<title>{escape(key)}: {escape(number(value))}</title></circle>")
        shown = labeller(k, key)
        if shown is not None:
            xlabels.append(f'<text x="{x:.2f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(shown)}</text>')
    lines = [f'<polyline class="line" points="{" ".join(run)}"/>' for run in runs if len(run) > 1]
    return _svg(name, title, description, width, height, _y_axis(plot_w, plot_h, top), lines + dots, xlabels)


def _frame(width: int, height: int, values: Sequence[float]) -> tuple[float, float, float]:
    top = nice_ticks(max(values, default=0))[-1]
    return width - LEFT - RIGHT, height - TOP - BOTTOM, top


def _labeller(items, label, slot) -> Callable[[int, str], Optional[str]]:
    if label is not None:
        return lambda k, key: label(key)
    # Labels about 40 units apart at most, so that they never overlap.
    step = max(1, math.ceil(40 / slot)) if slot else 1
    return every(step)


def _y_axis(plot_w: float, plot_h: float, top: float) -> list[str]:
    out = []
    for tick in nice_ticks(top):
        y = TOP + plot_h - (plot_h * tick / top if top else 0)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.2f}" y2="{y:.2f}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.2f}" text-anchor="end">{escape(number(tick))}</text>')
    return out


def _svg(name: str, title: str, description: str, width: int, height: int, axis: list[str], marks: list[str],
         xlabels: list[str]) -> Markup:
    ident = escape(name)
    return Markup(
        f'<svg class="chart" id="chart-{ident}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{ident}-title chart-{ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{ident}-title">{escape(title)}</title>'
        f'<desc id="chart-{ident}-desc">{escape(description)}</desc>'
        f'<g class="axis y">{"".join(axis)}</g>'
        f'<g class="marks">{"".join(marks)}</g>'
        f'<g class="axis x">{"".join(xlabels)}</g>'
        "</svg>")
