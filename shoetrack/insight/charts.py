"""Charts: cumulative distance per pair (with the warn-replace band and the forecast dashed) and
weekly distance bars (with the runs past the 30-day longest marked).

Each chart is first a small model of what it shows (PairChart, LoadChart: distances already in
the user's units, times as POSIX seconds), computed from the store; the model is then written as
SVG by our own writer (shoetrack.insight.svg), for `shoetrack chart`, `shoetrack report` and the
dashboard alike, or as PNG by matplotlib. SVG needs nothing beyond the standard library and
takes a few milliseconds; matplotlib (the `charts` extra) is imported only for PNG, since its
import alone costs about a third of a second (docs/dashboard.md, "Benchmarks").

Every series carries an SVG id that tests and the dashboard can find: `pair-<id>`,
`forecast-<id>`, `band-<n>`, `week-<first day>` (`-over` appended past the guideline),
`spike-marker-<activity id>` and `spike-label-<activity id>` (its text).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shoetrack import mileage
from shoetrack.config import Config
from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.insight import drawing, load, raster
from shoetrack.insight.chart_model import (  # noqa: F401 (the models, for callers)
    BAND,
    BAND_OPACITY,
    COLORS,
    MARK,
    OVER,
    PNG_MISSING,
    WEEK,
    Bar,
    LoadChart,
    Mark,
    PairChart,
    Series,
)
from shoetrack.units import to_units, unit_factor

MISSING = "charts need: pip install 'shoetrack[charts]'"
FORECAST_HORIZON = timedelta(days=84)  # how far ahead a forecast line is drawn at most
FORMATS = ("svg", "png")


def _defaults(config, units):
    if config is None:
        config = Config()
    return config, units or config.units


def pair_chart(
    store,
    shoe_ids=None,
    *,
    config=None,
    now: datetime | None = None,
    units: str | None = None,
    statuses=None,
) -> PairChart:
    """The distance of each pair (all active pairs when shoe_ids is None) from its first day to
    now, its window and its forecast. `statuses`: mileage.compute()'s rows, when already at hand."""

    config, units = _defaults(config, units)
    now = now or datetime.now(timezone.utc)
    if statuses is None:
        statuses = mileage.compute(
            store, config, now=now, shoe_ids=shoe_ids, include_retired=shoe_ids is not None
        )
    chart = PairChart(
        units,
        now.timestamp(),
        bands=sorted(
            {(to_units(st.warn_m, units), to_units(st.replace_m, units)) for st in statuses}
        ),
    )
    until = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for i, st in enumerate(statuses):
        rows = store.conn.execute(
            "SELECT a.start, a.distance_m FROM assignments g JOIN activities a"
            " ON a.id = g.activity_id WHERE g.shoe_id = ? AND a.ignored = 0 AND a.start <= ?"
            " ORDER BY a.start",
            (st.shoe.id, until),
        ).fetchall()
        chart.series.append(
            Series(
                st.shoe.id,
                st.shoe.name,
                COLORS[i % len(COLORS)],
                _steps(st, rows, now, units),
                _forecast(st, now, units),
            )
        )
    return chart


def _steps(st, rows, now: datetime, units: str) -> list[tuple[float, float]]:
    """(seconds, cumulative distance in units): the first day, one step per activity, the end."""

    factor = unit_factor(units)
    stamp = _stamp
    first = stamp(rows[0][0]) if rows else now.timestamp()
    if st.shoe.purchased_on:
        first = min(first, datetime.fromisoformat(st.shoe.purchased_on).timestamp())
    total = st.shoe.start_distance_m
    out = [(first, total / factor)]
    for start, meters in rows:
        total += meters
        out.append((stamp(start), total / factor))
    end = now.timestamp()
    if st.shoe.retired_on:
        end = min(end, datetime.fromisoformat(st.shoe.retired_on).timestamp())
    out.append((max(end, first), total / factor))
    return out


def _stamp(text: str) -> float:
    """POSIX seconds of the store's 'YYYY-MM-DDTHH:MM:SSZ' (UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _forecast(st, now: datetime, units: str):
    """From today's total at the pair's recent pace, to its replace distance or 12 weeks."""

    if st.shoe.retired or st.rate_m_per_day <= 0:
        return None
    days = FORECAST_HORIZON.days
    if st.total_m < st.replace_m:
        days = min(days, (st.replace_m - st.total_m) / st.rate_m_per_day)
    t = now.timestamp()
    return (
        (t, to_units(st.total_m, units)),
        (t + days * 86400, to_units(st.total_m + st.rate_m_per_day * days, units)),
    )


def load_chart(
    store,
    *,
    config=None,
    now: datetime | None = None,
    weeks: int = 12,
    units: str | None = None,
    picture=None,
) -> LoadChart:
    """Weekly distance on foot (weeks past the +10% guideline flagged) and each run past the
    30-day longest, with its percentage. `picture`: insight.load.compute()'s result, when
    already at hand (then `weeks` is the picture's)."""

    config, units = _defaults(config, units)
    if picture is None:
        picture = load.compute(store, config, now=now, weeks=weeks)
    chart = LoadChart(
        units,
        [
            Bar(w.week_start, to_units(w.distance_m, units), w.over_guideline, w.runs, w.complete)
            for w in picture.weeks
        ],
    )
    index = {w.week_start: i for i, w in enumerate(picture.weeks)}
    for s in picture.spikes:
        i = index.get(load.week_of(s.start.astimezone().date(), picture.week_start_day))
        if i is not None:
            chart.marks.append(
                Mark(s.id, i, "first in 30 d" if s.excess is None else f"+{s.excess:.0%}")
            )
    return chart


def pair_figure(store, shoe_ids=None, **kwargs):
    """pair_chart(), under the name `shoetrack chart` calls (either chart goes to write())."""
    return pair_chart(store, shoe_ids, **kwargs)


def load_figure(store, **kwargs):
    """load_chart(), under the name `shoetrack chart` calls."""
    return load_chart(store, **kwargs)


def to_svg(chart) -> str:
    """The chart as an <svg> element (no XML prolog: ready to sit inside HTML)."""
    return drawing.pairs(chart) if isinstance(chart, PairChart) else drawing.load(chart)


def pair_chart_svg(store, shoe_ids=None, **kwargs) -> str:
    """Inline SVG of pair_chart(); keyword arguments as pair_chart()."""
    return to_svg(pair_chart(store, shoe_ids, **kwargs))


def load_chart_svg(store, **kwargs) -> str:
    """Inline SVG of load_chart(); keyword arguments as load_chart()."""
    return to_svg(load_chart(store, **kwargs))


def render(chart, fmt: str) -> bytes:
    """The chart as a standalone SVG file's bytes or as PNG bytes (1200 x 675 pixels)."""
    if fmt not in FORMATS:
        raise UsageProblem(f"chart format must be svg or png, not {fmt!r}")
    if fmt == "svg":
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + to_svg(chart) + "\n").encode("utf-8")

    fig = raster.figure(chart)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()


def write(chart, path: Path) -> Path:
    """Write the chart to `path`; the suffix (.svg or .png) chooses the format. Written to a
    temporary file first, so a failure never leaves half a chart behind."""
    import os

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageProblem(f"{path.name}: the output must end in .svg or .png")
    data = render(chart, fmt)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ShoetrackError(f"cannot write {path}: {e.strerror}") from None
    return path
