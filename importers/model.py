"""The normalized activity every reader returns, and the importers' one exception family.

Units: meters, seconds, timezone-aware UTC datetimes. This module imports nothing from
``shoetrack``: the importers are a leaf package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

# Largest file (and largest decompressed gzip payload) accepted: a 10-hour FIT recording at 1 Hz
# is ~2 MB, a GPX of it ~10 MB. The cap keeps a gzip bomb or a mistaken disk image from
# exhausting memory. The one cap for every reader and for the CLI's file checks.
MAX_BYTES = 64 * 1024 * 1024
# The earliest start accepted: before 1990 there were no consumer GPS watches, so an earlier
# date is a reset clock. The store's CHECK on activities.start says the same date.
EARLIEST_START = datetime(1990, 1, 1, tzinfo=timezone.utc)
# 1000 km in one activity: beyond any foot or bike day; more is garbage positions or distances.
MAX_DISTANCE_M = 1_000_000.0

# Canonical sport vocabulary. Readers map their format's names onto these.
SPORTS = (
    "run",
    "trail_run",
    "treadmill_run",
    "track_run",
    "walk",
    "hike",
    "cycling",
    "swimming",
    "rowing",
    "strength",
    "transition",
    "multisport",
    "other",
)
# The sports that wear shoes (and so put distance on a pair): the runs, then walk and hike.
RUN_SPORTS = ("run", "trail_run", "treadmill_run", "track_run")
SHOE_SPORTS = RUN_SPORTS + ("walk", "hike")


class ParseError(Exception):
    """A file could not be read. ``str(err)`` is a one-line reason fit for the import log."""


class NotAnActivity(ParseError):
    """The file is valid but holds no activity (a course, route, settings or workout file)."""


class Undatable(ParseError):
    """The activity has no real start date (no timestamps, or device-relative FIT times)."""


@dataclass
class Activity:
    """One activity (one FIT session, one GPX file, one TCX <Activity>).

    start: timezone-aware UTC datetime. distance_m: meters as recorded by the device (FIT
    session total, TCX lap sum) or computed from points (GPX haversine sum within segments).
    elapsed_s / moving_s: seconds (moving = FIT total_timer_time, or None when unknown).
    """

    start: datetime
    sport: str
    distance_m: float
    source: str  # "fit" | "gpx" | "tcx" | "manual"
    sub_sport: str | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None
    device: str | None = None
    name: str | None = None
    has_gps: bool = False
    session_index: int = 0
    recovered: bool = False  # rebuilt from records because the session message was missing
    # The file names no sport: ``sport`` was inferred from the track (GPX without <type>, TCX
    # without Sport), so a user's or a folder's choice may replace it.
    sport_inferred: bool = False
    extra: dict = field(default_factory=dict)
    # Things the import log should show although the file imported: "file CRC mismatch",
    # "file truncated", "no session message: totals rebuilt from records". One line each.
    warnings: list[str] = field(default_factory=list)
