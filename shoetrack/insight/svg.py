"""A small SVG writer for shoetrack's two charts: scales, axis ticks, a legend and the document
around them, as text. No dependencies beyond the standard library.

It exists because matplotlib took 90-150 ms to lay out and write one chart, most of a dashboard
page's time budget, and its import another third of a second (docs/dashboard.md, "Benchmarks").
These charts need only lines, rectangles and text on a linear scale, which is a few string
formats per point.

Coordinates are SVG user units (pixels at 100 % zoom); values are whatever the caller plots
(distances already in the user's units, times as POSIX seconds). Every number is written with at
most one decimal, so the output is stable byte for byte for the same input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
FONT_PX = 12
CHAR_PX = 6.6  # a generous mean glyph width at FONT_PX: enough room for labels and legend
INK, MUTED, GRID = "#1d2430", "#5b6676", "#d9dee5"


def num(x: float) -> str:
    """A coordinate with at most one decimal and no '-0'."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_px(text: str, size: float = FONT_PX) -> float:
    """An estimate of a label's width: the layout only needs to leave enough room."""
    return len(text) * CHAR_PX * size / FONT_PX


def attrs(**kw) -> str:
    """' name="value"' pairs (None skipped; trailing underscores dropped, '_' becomes '-').
    Floats are coordinates, written with one decimal: pass anything finer (opacity) as text."""
    out = []
    for key, value in kw.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}={quoteattr(num(value) if isinstance(value, float) else str(value))}")
    return "".join(out)


def text(x: float, y: float, label: str, **kw) -> str:
    return f"<text{attrs(x=float(x), y=float(y), **kw)}>{escape(label)}</text>"


@dataclass
class Scale:
    """Maps [lo, hi] in data to [a, b] in pixels, linearly (b < a for a y axis)."""

    lo: float
    hi: float
    a: float
    b: float

    def __call__(self, v: float) -> float:
        span = self.hi - self.lo
        return self.a + (v - self.lo) / span * (self.b - self.a) if span else (self.a + self.b) / 2


def nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that cuts `span` into at most `most` steps."""
    if span <= 0:
        return 1.0
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)


def value_ticks(hi: float, most: int = 6) -> tuple[list[float], float]:
    """Ticks from 0 to a round top at or above `hi`: (ticks, top)."""
    step = nice_step(hi if hi > 0 else 1.0, most)
    count = max(1, math.ceil(hi / step - 1e-9)) if hi > 0 else most
    return [round(i * step, 9) for i in range(count + 1)], round(count * step, 9)


def value_label(v: float, step: float) -> str:
    """A tick's number: no decimals for whole steps, as many as the step needs otherwise."""
    digits = 0 if step >= 1 else min(3, math.ceil(-math.log10(step) - 1e-9))
    return f"{v:,.{digits}f}"


# Calendar steps for a time axis, shortest first: (months, days) and the label format.
TIME_STEPS = (
    (0, 1, "%b %d"),
    (0, 2, "%b %d"),
    (0, 7, "%b %d"),
    (0, 14, "%b %d"),
    (1, 0, "%b %Y"),
    (2, 0, "%b %Y"),
    (3, 0, "%b %Y"),
    (6, 0, "%b %Y"),
    (12, 0, "%Y"),
    (24, 0, "%Y"),
    (60, 0, "%Y"),
    (120, 0, "%Y"),
)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _first_tick(start: date, months: int, days: int) -> date:
    """The first calendar boundary on or after `start`: a Monday for week steps, the first of
    a month whose number fits the step, January 1st of a round year."""
    if not months:
        ahead = (7 - start.weekday()) % 7 if days >= 7 else 0
        return date.fromordinal(start.toordinal() + ahead)
    d = start if start.day == 1 else _add_months(start, 1)
    if months < 12:
        while (d.month - 1) % months:
            d = _add_months(d, 1)
        return d
    years = months // 12
    year = d.year if d.month == 1 else d.year + 1
    return date(year + (-year) % years, 1, 1)


def time_ticks(t0: float, t1: float, most: int = 8) -> list[tuple[float, str]]:
    """(POSIX seconds, label) at local midnights on calendar boundaries (days, weeks, the first
    of months or of years) between t0 and t1, at most `most` of them."""
    start = datetime.fromtimestamp(t0).date()
    end = datetime.fromtimestamp(t1).date()
    span_days = max(1, (end - start).days)
    months, days, fmt = next(
        (step for step in TIME_STEPS if (step[0] * 30.44 + step[1]) * most >= span_days),
        TIME_STEPS[-1],
    )
    out, d = [], _first_tick(start, months, days)
    while d <= end:
        t = datetime(d.year, d.month, d.day).timestamp()  # local midnight, daylight saving too
        if t0 <= t <= t1:
            out.append((t, d.strftime(fmt)))
        d = _add_months(d, months) if months else date.fromordinal(d.toordinal() + days)
    return out


@dataclass
class Legend:
    """Entries (kind, style, label) laid out in rows under the plot. kind: 'line' (stroke,
    dash), 'box' (fill, opacity) or 'marker' (fill)."""

    entries: list[tuple[str, dict, str]] = field(default_factory=list)

    def add(self, kind: str, label: str, **style) -> None:
        self.entries.append((kind, style, label))

    def rows(self, width: float) -> list[list[tuple[str, dict, str, float]]]:
        """The entries in rows no wider than `width`, each with its offset from the left."""
        rows: list[list[tuple[str, dict, str, float]]] = [[]]
        used = 0.0
        for kind, style, label in self.entries:
            w = 28 + text_px(label) + 18
            if rows[-1] and used + w > width:
                rows.append([])
                used = 0.0
            rows[-1].append((kind, style, label, used))
            used += w
        return rows if rows[0] else []

    def markup(self, x: float, y: float, width: float) -> str:
        parts = ['<g class="legend">']
        for r, row in enumerate(self.rows(width)):
            cy = y + r * 18
            for kind, style, label, dx in row:
                parts.append(
                    f'<g class="legend-item">{_swatch(kind, style, x + dx, cy)}'
                    f"{text(x + dx + 28, cy + 4, label)}</g>"
                )
        parts.append("</g>")
        return "".join(parts)


def _swatch(kind: str, style: dict, x: float, y: float) -> str:
    if kind == "line":
        return (
            f"<line{attrs(x1=float(x), y1=float(y), x2=float(x + 22), y2=float(y))}"
            f"{attrs(stroke=style['stroke'], stroke_width=2, stroke_dasharray=style.get('dash'))}/>"
        )
    if kind == "box":
        return (
            f"<rect{attrs(x=float(x), y=float(y - 6), width=22, height=12, fill=style['fill'])}"
            f"{attrs(fill_opacity=style.get('opacity'))}/>"
        )
    return marker(x + 11, y + 4, style["fill"])


def marker(x: float, y: float, fill: str, **kw) -> str:
    """A downward triangle whose tip is at (x, y): 'look here, below'."""
    points = f"{num(x - 5)},{num(y - 8)} {num(x + 5)},{num(y - 8)} {num(x)},{num(y)}"
    return f"<polygon{attrs(points=points, fill=fill, **kw)}/>"


def document(width: float, height: float, title: str, desc: str, body: str, *, name: str) -> str:
    """The <svg> element (no XML prolog: it can sit inside HTML as it is). `name` prefixes the
    ids of its title and description, so that two charts can share one page."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"'
        f"{attrs(width=int(width), height=int(height), viewBox=f'0 0 {int(width)} {int(height)}')}"
        f' role="img" aria-labelledby="{name}-title {name}-desc"'
        f"{attrs(font_family=FONT, font_size=FONT_PX, fill=INK)}>"
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<desc id="{name}-desc">{escape(desc)}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>{body}</svg>'
    )


def y_axis(
    scale: Scale, ticks: list[float], step: float, left: float, right: float, label: str
) -> str:
    """Horizontal grid lines with the value at the left, and the axis name written upwards."""
    parts = ['<g class="axis y">']
    for v in ticks:
        y = scale(v)
        parts.append(
            f'<g class="tick"><line{attrs(x1=float(left), y1=y, x2=float(right), y2=y)}'
            f' stroke="{GRID}"/>{text(left - 6, y + 4, value_label(v, step), text_anchor="end")}</g>'
        )
    mid = (scale.a + scale.b) / 2
    parts.append(
        text(
            14,
            mid,
            label,
            text_anchor="middle",
            transform=f"rotate(-90 14 {num(mid)})",
            class_="label",
        )
    )
    parts.append("</g>")
    return "".join(parts)


def x_ticks(
    positions: list[tuple[float, str]],
    top: float,
    bottom: float,
    *,
    slanted: bool = False,
    grid: bool = True,
) -> str:
    """Tick marks and labels under the plot at pixel positions; slanted labels read upwards
    to the right, for many or long labels."""
    parts = ['<g class="axis x">']
    for x, label in positions:
        line = (
            f'<line{attrs(x1=x, y1=float(top), x2=x, y2=float(bottom))} stroke="{GRID}"/>'
            if grid
            else f'<line{attrs(x1=x, y1=float(bottom), x2=x, y2=float(bottom + 4))} stroke="{MUTED}"/>'
        )
        if slanted:
            y = bottom + 14
            label_svg = text(
                x, y, label, text_anchor="end", transform=f"rotate(-40 {num(x)} {num(y)})"
            )
        else:
            label_svg = text(x, bottom + 16, label, text_anchor="middle")
        parts.append(f'<g class="tick">{line}{label_svg}</g>')
    parts.append("</g>")
    return "".join(parts)
