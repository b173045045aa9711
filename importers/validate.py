"""Plausibility checks every reader runs on an Activity before returning it.

A file can be well-formed and still say nonsense (a latitude of 999 gives a 14,000 km "run", a
year-1900 clock, a NaN distance that SQLite would store as NULL). The store trusts what the
importers return, so the limits live here, in one place, with one-line reasons.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from .model import EARLIEST_START, MAX_DISTANCE_M, SHOE_SPORTS, SPORTS, Activity, ParseError

MAX_FUTURE = timedelta(days=1)  # a watch whose clock runs a little ahead is still fine
MAX_DURATION_S = 7 * 86_400.0  # a week: longer is a clock error, not an activity
# Average speed limit (m/s) per foot sport over elapsed time: 100 km/h; a runner's world record is
# ~6.3 m/s, so this only refuses files whose positions or distances are garbage.
MAX_FOOT_SPEED_MS = 100 / 3.6
# Any sport (an untyped track may be inferred to be a car ride): the speed of sound.
MAX_SPEED_MS = 343.0


def check(act: Activity, *, now: datetime | None = None) -> Activity:
    """Return ``act`` unchanged when plausible, else raise ParseError with a one-line reason."""
    now = now or datetime.now(timezone.utc)
    start = act.start
    if start.tzinfo is None:
        raise ParseError("start time has no timezone")
    if start < EARLIEST_START:
        raise ParseError(f"implausible start time {start:%Y-%m-%d} (before {EARLIEST_START:%Y})")
    if start > now + MAX_FUTURE:
        raise ParseError(f"implausible start time {start:%Y-%m-%d} (in the future)")
    if act.sport not in SPORTS:
        raise ParseError(f"unknown sport {act.sport!r}")
    d = act.distance_m
    if not isinstance(d, (int, float)) or not math.isfinite(d):
        raise ParseError(f"distance is not a finite number ({d!r})")
    if d < 0:
        raise ParseError(f"negative distance {d:.2f} m")
    if d > MAX_DISTANCE_M:
        raise ParseError(
            f"implausible distance {d / 1000:.0f} km (limit {MAX_DISTANCE_M / 1000:.0f} km)"
        )
    for label, value in (("elapsed time", act.elapsed_s), ("moving time", act.moving_s)):
        if value is None:
            continue
        if not math.isfinite(value) or value < 0:
            raise ParseError(f"{label} is not a non-negative number ({value!r})")
        if value > MAX_DURATION_S:
            raise ParseError(f"implausible {label} {value / 86400:.1f} days (limit 7 days)")
    if act.elapsed_s and act.elapsed_s >= 60 and d / act.elapsed_s > MAX_SPEED_MS:
        raise ParseError(
            f"implausible average speed {d / act.elapsed_s * 3.6:.0f} km/h "
            "(faster than sound: the positions or distances are garbage)"
        )
    if act.sport in SHOE_SPORTS and act.elapsed_s and act.elapsed_s >= 60:
        speed = d / act.elapsed_s
        if speed > MAX_FOOT_SPEED_MS:
            raise ParseError(
                f"implausible average speed {speed * 3.6:.0f} km/h for a {act.sport.replace('_', ' ')}"
            )
    return act
