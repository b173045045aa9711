"""What each chart shows, apart from how it is drawn: the models that shoetrack.insight.charts
computes from the store and that the SVG writer (drawing.py) and the PNG one (raster.py) draw.
Distances are in the user's units here, already converted from meters; times are POSIX seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# matplotlib's default colour cycle ("tab10"): distinct for the pairs, and the PNG matches.
COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
PNG_MISSING = "PNG charts need matplotlib: pip install 'shoetrack[charts]' (or write .svg)"
BAND, BAND_OPACITY = "#f2b134", 0.18
WEEK, OVER, MARK = "#4c78a8", "#e45756", "#222222"


@dataclass
class Series:
    """One pair: steps (seconds, distance in units) drawn step-after, and the forecast's two
    ends, None when the pair has no recent pace or is retired."""

    shoe_id: int
    name: str
    color: str
    steps: list[tuple[float, float]]
    forecast: tuple[tuple[float, float], tuple[float, float]] | None = None


@dataclass
class PairChart:
    units: str
    now: float  # POSIX seconds
    series: list[Series] = field(default_factory=list)
    bands: list[tuple[float, float]] = field(default_factory=list)  # (warn, replace) in units


@dataclass
class Bar:
    week_start: date
    value: float  # distance on foot in units
    over: bool
    runs: int
    complete: bool

    @property
    def id(self) -> str:
        return f"week-{self.week_start.isoformat()}{'-over' if self.over else ''}"


@dataclass
class Mark:
    """A run past the 30-day longest, on the bar of its week (index into LoadChart.bars)."""

    id: int
    index: int
    label: str


@dataclass
class LoadChart:
    units: str
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
