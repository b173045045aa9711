"""Charts: cumulative distance per pair (with the warn-replace band and the forecast dashed) and
weekly distance bars (with the runs past the 30-day longest marked), as SVG text or PNG/SVG files.

matplotlib is an optional extra (`pip install 'shoetrack[charts]'`), imported only inside these
functions: it costs about a third of a second, which no other command should pay. The Figure API
is used directly (no pyplot), so nothing depends on a display or a global backend.

Every series carries an SVG id (matplotlib's `gid`) that tests and the dashboard can find:
`pair-<id>`, `forecast-<id>`, `band-<n>`, `week-<first day>` (`-over` appended past the
guideline), `spike-<activity id>` (its label) and `spike-marker-<activity id>`.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shoetrack.errors import ShoetrackError, UsageProblem

MISSING = "charts need: pip install 'shoetrack[charts]'"
FORECAST_HORIZON = timedelta(days=84)  # how far ahead a forecast line is drawn at most
FORMATS = ("svg", "png")


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ShoetrackError(MISSING) from None
    return matplotlib, Figure


def _naive_local(dt: datetime) -> datetime:
    """matplotlib dates without tzinfo, in the runner's local time (what the axis shows)."""
    return dt.astimezone().replace(tzinfo=None)


def _defaults(config, units):
    if config is None:
        from shoetrack.config import Config

        config = Config()
    return config, units or config.units


def pair_figure(store, shoe_ids=None, *, config=None, now: datetime | None = None,
                units: str | None = None):
    """A matplotlib Figure: cumulative distance of each pair (all active pairs when shoe_ids is
    None) from its first day to now, its warn-replace band, and its forecast dashed."""
    from shoetrack.mileage import compute
    from shoetrack.units import from_iso, to_units

    _, Figure = _matplotlib()
    config, units = _defaults(config, units)
    now = now or datetime.now(timezone.utc)
    statuses = compute(store, config, now=now, shoe_ids=shoe_ids,
                       include_retired=shoe_ids is not None)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for i, band in enumerate(sorted({(st.warn_m, st.replace_m) for st in statuses})):
        ax.axhspan(to_units(band[0], units), to_units(band[1], units), color="#f2b134",
                   alpha=0.18, gid=f"band-{i}", label="warn-replace window" if i == 0 else None)
    for st in statuses:
        rows = store.q(
            "SELECT a.start, a.distance_m FROM assignments g JOIN activities a"
            " ON a.id = g.activity_id WHERE g.shoe_id = ? AND a.ignored = 0 AND a.start <= ?"
            " ORDER BY a.start", (st.shoe.id, now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
        xs, ys, total = [], [], st.shoe.start_distance_m
        first = from_iso(rows[0]["start"]) if rows else now
        if st.shoe.purchased_on:
            bought = datetime.fromisoformat(st.shoe.purchased_on).astimezone()
            first = min(first, bought)
        xs.append(_naive_local(first))
        ys.append(to_units(total, units))
        for r in rows:
            total += r["distance_m"]
            xs.append(_naive_local(from_iso(r["start"])))
            ys.append(to_units(total, units))
        end = min(now, datetime.fromisoformat(st.shoe.retired_on).astimezone()) \
            if st.shoe.retired_on else now
        xs.append(_naive_local(max(end, first)))
        ys.append(to_units(total, units))
        (line,) = ax.plot(xs, ys, drawstyle="steps-post", linewidth=2, gid=f"pair-{st.shoe.id}",
                          label=st.shoe.name)
        _forecast_line(ax, st, now, units, line.get_color())
    ax.set_ylabel(f"distance ({units})")
    ax.set_title("Distance per pair")
    ax.grid(True, alpha=0.3)
    if statuses:
        ax.legend(loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "No pairs yet", ha="center", va="center", transform=ax.transAxes)
    fig.autofmt_xdate()
    return fig


def _forecast_line(ax, st, now: datetime, units: str, color: str) -> None:
    """Dashed from today's total at the pair's recent pace, to its replace distance or 12 weeks."""
    from shoetrack.units import to_units

    if st.shoe.retired or st.rate_m_per_day <= 0:
        return
    days = FORECAST_HORIZON.days
    if st.total_m < st.replace_m:
        days = min(days, (st.replace_m - st.total_m) / st.rate_m_per_day)
    end = now + timedelta(days=days)
    ax.plot([_naive_local(now), _naive_local(end)],
            [to_units(st.total_m, units), to_units(st.total_m + st.rate_m_per_day * days, units)],
            linestyle="--", linewidth=1.5, color=color, gid=f"forecast-{st.shoe.id}",
            label=f"{st.shoe.name} forecast")


def load_figure(store, *, config=None, now: datetime | None = None, weeks: int = 12,
                units: str | None = None):
    """A matplotlib Figure: weekly distance on foot as bars (weeks past the +10% guideline in a
    second colour) and each run past the 30-day longest marked with its percentage."""
    from shoetrack.insight.load import compute, week_of
    from shoetrack.units import to_units

    _, Figure = _matplotlib()
    config, units = _defaults(config, units)
    picture = compute(store, config, now=now, weeks=weeks)
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    labels = [w.week_start.strftime("%b %d") for w in picture.weeks]
    heights = [to_units(w.distance_m, units) for w in picture.weeks]
    index = {w.week_start: i for i, w in enumerate(picture.weeks)}
    for i, (h, w) in enumerate(zip(heights, picture.weeks)):
        # One id per bar: week-<first day>, with -over when the week is past the guideline.
        over = w.over_guideline
        ax.bar([i], [h], color="#e45756" if over else "#4c78a8",
               gid=f"week-{w.week_start.isoformat()}{'-over' if over else ''}",
               label=("over +10% on the 4-week mean" if over else "weekly distance"))
    for s in picture.spikes:
        i = index.get(week_of(s.start.astimezone().date(), picture.week_start_day))
        if i is None:
            continue
        text = "first in 30 d" if s.excess is None else f"+{s.excess:.0%}"
        ax.annotate(text, (i, heights[i]), xytext=(0, 6), textcoords="offset points",
                    ha="center", fontsize="small", gid=f"spike-{s.id}")
        ax.plot([i], [heights[i]], marker="v", color="#222222", linestyle="none",
                gid=f"spike-marker-{s.id}")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    if heights and max(heights) > 0:
        ax.set_ylim(0, max(heights) * 1.3)  # headroom for the legend and the spike labels
    ax.set_ylabel(f"distance on foot ({units})")
    ax.set_title("Weekly distance (marks: runs past the 30-day longest)")
    ax.grid(True, axis="y", alpha=0.3)
    if picture.weeks:
        handles, names = ax.get_legend_handles_labels()
        unique = dict(zip(names, handles))  # one legend entry per kind of bar
        ax.legend(unique.values(), unique.keys(), loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "No activities yet", ha="center", va="center", transform=ax.transAxes)
    return fig


def render(fig, fmt: str, *, salt: str = "shoetrack") -> bytes:
    """The figure as SVG (text kept as text, stable ids) or PNG bytes."""
    matplotlib, _ = _matplotlib()
    if fmt not in FORMATS:
        raise UsageProblem(f"chart format must be svg or png, not {fmt!r}")
    buf = io.BytesIO()
    # A salt per chart keeps clip-path ids distinct when several SVGs share one HTML page.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format=fmt, dpi=150 if fmt == "png" else 72,
                    metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def _inline(svg: bytes) -> str:
    """SVG text without the XML prolog and DOCTYPE, ready to sit inside HTML."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):]


def pair_chart_svg(store, shoe_ids=None, **kwargs) -> str:
    """Inline SVG (no prolog) of pair_figure(); keyword arguments as pair_figure()."""
    return _inline(render(pair_figure(store, shoe_ids, **kwargs), "svg", salt="pairs"))


def load_chart_svg(store, **kwargs) -> str:
    """Inline SVG (no prolog) of load_figure(); keyword arguments as load_figure()."""
    return _inline(render(load_figure(store, **kwargs), "svg", salt="load"))


def write(fig, path: Path) -> Path:
    """Write the figure to `path`; the suffix (.svg or .png) chooses the format. Written to a
    temporary file first, so a failure never leaves half a chart behind."""
    import os

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageProblem(f"{path.name}: the output must end in .svg or .png")
    data = render(fig, fmt)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ShoetrackError(f"cannot write {path}: {e.strerror}") from None
    return path
