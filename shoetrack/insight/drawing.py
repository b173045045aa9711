"""The two charts drawn as SVG from their models (shoetrack.insight.charts): the layout, the
series and the words a screen reader gets (title and description).

One layout for both: a title line, the plot (250 px high, a value axis on the left), the axis
labels under it, then the legend in as many rows as it needs; 720 px wide, scaled to the page
by the stylesheet.
"""

from __future__ import annotations

from datetime import datetime

from shoetrack.insight import svg
from shoetrack.insight.chart_model import BAND, BAND_OPACITY, MARK, OVER, WEEK, LoadChart, PairChart

WIDTH, LEFT, RIGHT, TOP, PLOT_H = 720, 64, 704, 34, 250
BOTTOM = TOP + PLOT_H
DAY_S = 86400.0


def _day(t: float) -> str:
    return datetime.fromtimestamp(t).date().isoformat()


def _frame(
    title: str,
    body: list[str],
    legend: svg.Legend,
    below: float,
    *,
    name: str,
    heading: str,
    desc: str,
) -> str:
    """The document: heading, body, the legend `below` px under the plot."""
    rows = len(legend.rows(RIGHT - LEFT))
    height = BOTTOM + below + rows * 18 + 8
    parts = [
        svg.text(LEFT, 20, heading, font_weight="bold", font_size=14, class_="heading"),
        *body,
        f'<line{svg.attrs(x1=float(LEFT), y1=float(BOTTOM), x2=float(RIGHT), y2=float(BOTTOM))} stroke="{svg.MUTED}"/>',
        legend.markup(LEFT, BOTTOM + below, RIGHT - LEFT),
    ]
    return svg.document(WIDTH, height, title, desc, "".join(parts), name=name)


def _empty(message: str) -> str:
    return svg.text(
        (LEFT + RIGHT) / 2,
        TOP + PLOT_H / 2,
        message,
        text_anchor="middle",
        fill=svg.MUTED,
        class_="empty",
    )


def pairs(chart: PairChart) -> str:
    """Distance per pair over time: the window band(s), a step line per pair, forecasts dashed."""
    u = chart.units
    names = ", ".join(s.name for s in chart.series)
    title = (
        f"Distance on {names} over time"
        if len(chart.series) == 1
        else "Distance per pair over time"
    )
    legend = svg.Legend()
    if not chart.series:
        return _frame(
            title,
            [_empty("No pairs yet")],
            legend,
            30,
            name="pairs-chart",
            heading="Distance per pair",
            desc="An empty chart: no pairs yet.",
        )
    t0 = min(s.steps[0][0] for s in chart.series)
    t1 = max([chart.now] + [s.forecast[1][0] for s in chart.series if s.forecast])
    t1 = max(t1, t0 + DAY_S)
    top_value = max(
        [b[1] for b in chart.bands]
        + [p[1] for s in chart.series for p in s.steps]
        + [s.forecast[1][1] for s in chart.series if s.forecast]
    )
    ticks, top = svg.value_ticks(top_value * 1.05)
    y = svg.Scale(0, top, BOTTOM, TOP)
    x = svg.Scale(t0, t1, LEFT, RIGHT)
    body = [
        svg.y_axis(y, ticks, ticks[1] - ticks[0], LEFT, RIGHT, f"distance ({u})"),
        svg.x_ticks([(x(t), label) for t, label in svg.time_ticks(t0, t1)], TOP, BOTTOM),
    ]
    body += _bands(chart, y, legend)
    for s in chart.series:
        body.append(_series(s, x, y))
        legend.add("line", s.name, stroke=s.color)
    for s in chart.series:
        if s.forecast:
            (fx0, fy0), (fx1, fy1) = s.forecast
            d = f"M{svg.num(x(fx0))} {svg.num(y(fy0))}L{svg.num(x(fx1))} {svg.num(y(fy1))}"
            body.append(
                f'<g id="forecast-{s.shoe_id}" class="forecast"><path{svg.attrs(d=d)}'
                f' fill="none"{svg.attrs(stroke=s.color)} stroke-width="1.5"'
                f' stroke-dasharray="6 4"/></g>'
            )
    if any(s.forecast for s in chart.series):
        # One entry for every forecast: each is dashed in its own pair's colour.
        legend.add("line", "forecast at the recent pace", stroke=svg.MUTED, dash="6 4")
    return _frame(
        title,
        body,
        legend,
        30,
        name="pairs-chart",
        heading="Distance per pair",
        desc=_pairs_desc(chart),
    )


def _bands(chart: PairChart, y: svg.Scale, legend: svg.Legend) -> list[str]:
    """The warn-replace windows, shaded; with a single window its two edges are named."""
    out = []
    for i, (warn, replace) in enumerate(chart.bands):
        out.append(
            f"<rect{svg.attrs(id=f'band-{i}', class_='band', x=float(LEFT), y=y(replace), width=float(RIGHT - LEFT), height=y(warn) - y(replace), fill=BAND, fill_opacity=str(BAND_OPACITY))}>"
            f"<title>warn at {warn:,.0f} {chart.units}, replace at {replace:,.0f} {chart.units}</title></rect>"
        )
    if len(chart.bands) == 1:
        warn, replace = chart.bands[0]
        for value, word, dy in ((warn, "warn", 12), (replace, "replace", -4)):
            out.append(
                svg.text(
                    RIGHT - 4,
                    y(value) + dy,
                    f"{word} {value:,.0f} {chart.units}",
                    text_anchor="end",
                    fill=svg.MUTED,
                    font_size=11,
                    class_="band-label",
                )
            )
    if chart.bands:
        legend.add("box", "warn–replace window", fill=BAND, opacity=str(BAND_OPACITY))
    return out


def _series(s, x: svg.Scale, y: svg.Scale) -> str:
    """A step line: flat until the next activity, then up by its distance."""
    num = svg.num
    t, v = s.steps[0]
    parts = [f"M{num(x(t))} {num(y(v))}"]
    for t, v in s.steps[1:]:
        parts.append(f"H{num(x(t))}V{num(y(v))}")
    return (
        f'<g id="pair-{s.shoe_id}" class="pair"><title>{svg.escape(s.name)}</title>'
        f'<path{svg.attrs(d="".join(parts), stroke=s.color)} fill="none" stroke-width="2"'
        f' stroke-linejoin="round"/></g>'
    )


def _pairs_desc(chart: PairChart) -> str:
    u, out = chart.units, []
    for s in chart.series:
        line = f"{s.name}: {s.steps[-1][1]:,.1f} {u} on {_day(s.steps[-1][0])}"
        if s.forecast:
            line += f", forecast {s.forecast[1][1]:,.1f} {u} by {_day(s.forecast[1][0])}"
        out.append(line + ".")
    out += [f"Warn-replace window {w:,.0f} to {r:,.0f} {u}." for w, r in chart.bands]
    return " ".join(out)


def load(chart: LoadChart) -> str:
    """Weekly distance bars (past the guideline in a second colour), runs past the 30-day
    longest marked over their week's bar with their percentage, stacked when several."""
    u = chart.units
    title = "Weekly distance on foot, with the runs past the 30-day longest"
    heading = "Weekly distance (marks: runs past the 30-day longest)"
    legend = svg.Legend()
    if not chart.bars:
        return _frame(
            title,
            [_empty("No activities yet")],
            legend,
            30,
            name="load-chart",
            heading=heading,
            desc="An empty chart: no activities yet.",
        )
    stacked: dict[int, int] = {}
    for m in chart.marks:
        stacked[m.index] = stacked.get(m.index, 0) + 1
    need = {i: 6 + 26 * k for i, k in stacked.items()}  # pixels above a bar for its marks
    top_value = max(
        [b.value * 1.1 for b in chart.bars]
        + [chart.bars[i].value * PLOT_H / (PLOT_H - px) for i, px in need.items()]
        + [1.0]
    )
    ticks, top = svg.value_ticks(top_value)
    y = svg.Scale(0, top, BOTTOM, TOP)
    slot = (RIGHT - LEFT) / len(chart.bars)
    every = max(1, round(len(chart.bars) / 26 + 0.49))  # a label per bar while they fit
    labels = [
        (LEFT + slot * (i + 0.5), b.week_start.strftime("%b %d"))
        for i, b in enumerate(chart.bars)
        if i % every == 0
    ]
    body = [
        svg.y_axis(y, ticks, ticks[1] - ticks[0], LEFT, RIGHT, f"distance on foot ({u})"),
        svg.x_ticks(labels, TOP, BOTTOM, slanted=True, grid=False),
    ]
    for i, b in enumerate(chart.bars):
        tip = f"Week of {b.week_start.isoformat()}{'' if b.complete else ' (so far)'}: {b.value:,.1f} {u}, {b.runs} on foot"
        body.append(
            f"<rect{svg.attrs(id=b.id, class_='week over' if b.over else 'week', x=LEFT + slot * (i + 0.15), y=y(b.value), width=slot * 0.7, height=BOTTOM - y(b.value), fill=OVER if b.over else WEEK)}>"
            f"<title>{svg.escape(tip)}</title></rect>"
        )
    body += _marks(chart, y, slot)
    legend.add("box", "weekly distance", fill=WEEK)
    if any(b.over for b in chart.bars):
        legend.add("box", "over +10% on the 4-week mean", fill=OVER)
    if chart.marks:
        legend.add("marker", "run past the 30-day longest", fill=MARK)
    return _frame(
        title, body, legend, 62, name="load-chart", heading=heading, desc=_load_desc(chart)
    )


def _marks(chart: LoadChart, y: svg.Scale, slot: float) -> list[str]:
    out: list[str] = []
    seen: dict[int, int] = {}
    for m in chart.marks:
        k = seen.get(m.index, 0)
        seen[m.index] = k + 1
        cx = LEFT + slot * (m.index + 0.5)
        tip = y(chart.bars[m.index].value) - 3 - 26 * k
        out.append(svg.marker(cx, tip, MARK, id=f"spike-marker-{m.id}", class_="spike"))
        out.append(
            svg.text(
                cx,
                tip - 11,
                m.label,
                text_anchor="middle",
                font_size=11,
                id=f"spike-label-{m.id}",
                class_="spike-label",
            )
        )
    return out


def _load_desc(chart: LoadChart) -> str:
    u, bars = chart.units, chart.bars
    values = [b.value for b in bars]
    out = [
        f"{len(bars)} week{'s' if len(bars) != 1 else ''} from {bars[0].week_start.isoformat()}"
        f" to {bars[-1].week_start.isoformat()}: {min(values):,.1f} to {max(values):,.1f} {u} a week."
    ]
    over = [b.week_start.isoformat() for b in bars if b.over]
    if over:
        out.append(f"Over +10% on the 4-week mean: {', '.join(over)}.")
    if chart.marks:
        out.append(
            f"{len(chart.marks)} run{'s' if len(chart.marks) != 1 else ''} past the 30-day longest: "
            + ", ".join(
                f"{m.label} in the week of {bars[m.index].week_start.isoformat()}"
                for m in chart.marks
            )
            + "."
        )
    return " ".join(out)
