"""PNG charts: the same models as the SVG ones (shoetrack.insight.charts), drawn by matplotlib.

matplotlib is the optional `charts` extra, imported only here and only for PNG: its import costs
about a third of a second, which SVG, the report and the dashboard no longer pay. The Figure API
is used directly (no pyplot), so nothing depends on a display or a global backend.
"""

from __future__ import annotations

from datetime import datetime

from shoetrack.errors import ShoetrackError
from shoetrack.insight.chart_model import (
    BAND,
    BAND_OPACITY,
    MARK,
    OVER,
    PNG_MISSING,
    WEEK,
    LoadChart,
    PairChart,
)


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ShoetrackError(PNG_MISSING) from None
    return Figure


def figure(chart):
    """A matplotlib Figure, 8 x 4.5 inches, of a PairChart or a LoadChart."""
    fig = _figure_class()(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    if isinstance(chart, PairChart):
        _pairs(ax, chart)
        fig.autofmt_xdate()
    else:
        _load(ax, chart)
    return fig


def _local(t: float) -> datetime:
    """matplotlib dates without tzinfo, in the runner's local time (what the axis shows)."""
    return datetime.fromtimestamp(t)


def _pairs(ax, chart: PairChart) -> None:
    for i, (warn, replace) in enumerate(chart.bands):
        ax.axhspan(
            warn,
            replace,
            color=BAND,
            alpha=BAND_OPACITY,
            label="warn–replace window" if i == 0 else None,
        )
    for s in chart.series:
        ax.plot(
            [_local(t) for t, _ in s.steps],
            [v for _, v in s.steps],
            drawstyle="steps-post",
            linewidth=2,
            color=s.color,
            label=s.name,
        )
        if s.forecast:
            ax.plot(
                [_local(t) for t, _ in s.forecast],
                [v for _, v in s.forecast],
                linestyle="--",
                linewidth=1.5,
                color=s.color,
                label=f"{s.name} forecast",
            )
    ax.set_ylabel(f"distance ({chart.units})")
    ax.set_title("Distance per pair")
    ax.grid(True, alpha=0.3)
    if chart.series:
        ax.legend(loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "No pairs yet", ha="center", va="center", transform=ax.transAxes)


def _load(ax, chart: LoadChart) -> None:
    heights = [b.value for b in chart.bars]
    for i, b in enumerate(chart.bars):
        ax.bar(
            [i],
            [b.value],
            color=OVER if b.over else WEEK,
            label="over +10% on the 4-week mean" if b.over else "weekly distance",
        )
    stacked: dict[int, int] = {}
    for m in chart.marks:
        k = stacked.get(m.index, 0)
        stacked[m.index] = k + 1
        ax.annotate(
            m.label,
            (m.index, heights[m.index]),
            xytext=(0, 6 + 20 * k),
            textcoords="offset points",
            ha="center",
            fontsize="small",
        )
    if chart.marks:
        ax.plot(
            [m.index for m in chart.marks],
            [heights[m.index] for m in chart.marks],
            marker="v",
            color=MARK,
            linestyle="none",
            label="run past the 30-day longest",
        )
    ax.set_xticks(
        range(len(chart.bars)),
        [b.week_start.strftime("%b %d") for b in chart.bars],
        rotation=45,
        ha="right",
    )
    if heights and max(heights) > 0:
        ax.set_ylim(0, max(heights) * 1.3)  # headroom for the legend and the spike labels
    ax.set_ylabel(f"distance on foot ({chart.units})")
    ax.set_title("Weekly distance (marks: runs past the 30-day longest)")
    ax.grid(True, axis="y", alpha=0.3)
    if chart.bars:
        handles, names = ax.get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))  # one legend entry per kind of bar
        ax.legend(unique.values(), unique.keys(), loc="upper left", fontsize="small")
    else:
        ax.text(0.5, 0.5, "No activities yet", ha="center", va="center", transform=ax.transAxes)
