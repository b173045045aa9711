"""Sport inference for files that name no sport (GPX without ``<type>``, TCX without ``Sport``).

A running-shoe tracker must not put a bike ride on running shoes because the file did not say.
The evidence is the track's speed: the median moving speed, weighted by time (so a device
recording every second and one recording every ten give the same answer), over the intervals
between timed points that move at 0.5 m/s or more.
"""

from __future__ import annotations

from .model import Activity

MOVING_SPEED_MS = 0.5  # slower than 1.8 km/h is standing still with GPS jitter
# Above this median (m/s) an untyped track is not a run. The marathon world record is 5.8 m/s and
# the 5 km record 6.6 m/s: no runner's median over a whole outing reaches 7 m/s (25 km/h, 2:23
# min/km), while a road ride's median usually exceeds it. A slow ride below it stays a run: one
# command fixes that guess, and guessing "cycling" for a fast runner would hide real miles.
CYCLING_MEDIAN_MS = 7.0
# Above 20 m/s (72 km/h) median, no bike ride either: a car or a train ("other").
MOTOR_MEDIAN_MS = 20.0


def median_speed(speeds, gaps) -> float | None:
    """Time-weighted median of ``speeds`` (m/s), each held for ``gaps`` seconds; None if empty."""
    total = sum(gaps)
    if not total:
        return None
    acc = 0.0
    for speed, gap in sorted(zip(speeds, gaps, strict=True)):
        acc += gap
        if acc >= total / 2:
            return speed
    return None  # not reached: the weights sum to total


def sport_for(median: float | None) -> str:
    """The inferred sport for a median moving speed (None: no moving interval -> "run")."""
    if median is not None and median > MOTOR_MEDIAN_MS:
        return "other"
    if median is not None and median > CYCLING_MEDIAN_MS:
        return "cycling"
    return "run"


def apply(act: Activity, speeds, gaps) -> None:
    """Set ``act.sport`` from the track, mark it inferred, and say so when it is not a run."""
    median = median_speed(speeds, gaps)
    act.sport = sport_for(median)
    act.sport_inferred = True
    act.extra["median_moving_speed_ms"] = None if median is None else round(median, 3)
    if median is not None and act.sport != "run":  # not a run only from a measured speed
        act.warnings.append(
            f"sport inferred as {act.sport} from a median moving speed of "
            f"{median * 3.6:.1f} km/h (the file names no sport)"
        )
