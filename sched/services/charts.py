"""Bar charts as data for the hand-written SVG template (templates/coordination/_chart.html).

A chart is drawn on the server: the template only places the rectangles computed here. It always carries a title,
a description and the same figures as a table (read by a screen reader, printed on paper). Hand-written SVG rather
than a chart library: a bar chart is these few lines, needs no dependency, and stays within the
Content-Security-Policy (libraries such as pygal put `<style>` and `<script>` inside their SVG).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sched.i18n import number_fr

PALETTE = ("#1f5fa8", "#e07b00", "#2e8540", "#8e44ad", "#b03a2e", "#5d6d7e")  # contrast ≥ 3:1 on white
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str  # the bar's <title>: « Metz Centre, mars 2027 : 95 % »


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    unit: str
    groups: list[str]
    series: list[str]
    values: list[list[float | None]]  # [series][group]
    decimals: int = 0
    reference: float | None = None  # a horizontal line (the funded hours)
    reference_label: str = ""
    horizontal: bool = False
    short: list[str] = field(default_factory=list)  # the axis's labels when the groups' names are long
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    reference_y: float | None = None
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(self.series)]

    def cell(self, value: float | None) -> str:
        return number_fr(value, self.decimals)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table beside the picture: one row per group, one column per series."""
        return [(g, [self.cell(values[i]) for values in self.values]) for i, g in enumerate(self.groups)]


def nice_max(value: float) -> float:
    """The axis top: 1, 2, 4, 5 or 8 × a power of ten at or above `value` (its quarters stay round)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 5, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(chart: Chart, top: float | None = None) -> Chart:
    """Lay out `chart`: vertical groups of bars (one per series), or one horizontal bar per group."""
    known = [v for values in chart.values for v in values if v is not None]
    top = top or nice_max(max(known + [chart.reference or 0, 0]))
    if chart.horizontal:
        return horizontal(chart, top)
    plot_w, plot_h = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    slot = plot_w / max(len(chart.groups), 1)
    bar_w = min(slot * 0.8 / max(len(chart.series), 1), 48)
    for g, group in enumerate(chart.groups):
        x0 = LEFT + g * slot + (slot - bar_w * len(chart.series)) / 2
        chart.labels.append((LEFT + g * slot + slot / 2, chart.short[g] if chart.short else group))
        for s, (name, color) in enumerate(chart.legend):
            value = chart.values[s][g]
            if value is None:
                continue
            height = plot_h * value / top
            label = f"{name}, {group} : {chart.cell(value)} {chart.unit}".strip()
            chart.bars.append(Bar(x0 + s * bar_w, TOP + plot_h - height, bar_w * 0.92, height, color, label))
    chart.ticks = [(TOP + plot_h * (1 - i / 4), number_fr(top * i / 4, 0 if top >= 4 else 1)) for i in range(5)]
    if chart.reference is not None:
        chart.reference_y = TOP + plot_h * (1 - chart.reference / top)
    return chart


def horizontal(chart: Chart, top: float) -> Chart:
    """One bar per group (a GP), longest first as given; the height grows with the number of rows."""
    row_h, label_w = 18, 190
    chart.height = TOP + BOTTOM + row_h * len(chart.groups)
    plot_w = chart.width - label_w - RIGHT
    color = PALETTE[0]
    for g, group in enumerate(chart.groups):
        value = chart.values[0][g] or 0
        y = TOP + g * row_h
        chart.labels.append((y + row_h * 0.7, group))
        label = f"{group} : {chart.cell(value)} {chart.unit}".strip()
        chart.bars.append(Bar(label_w, y + 2, plot_w * value / top, row_h - 4, color, label))
    chart.ticks = [(label_w + plot_w * i / 4, number_fr(top * i / 4)) for i in range(5)]
    return chart
