"""Which sports wear shoes, and the names users may type for them."""

from __future__ import annotations

# The vocabulary is the readers': one definition of which sports exist and which wear shoes.
# Runs (RUN_SPORTS) are assigned automatically to the sport's default pair; walk and hike only to
# pairs that are explicitly the default for them, since many runners walk in other shoes.
from importers.model import RUN_SPORTS, SHOE_SPORTS, SPORTS
from shoetrack.errors import UsageProblem

ALIASES = {
    "running": "run",
    "trail": "trail_run",
    "trail-run": "trail_run",
    "trailrun": "trail_run",
    "treadmill": "treadmill_run",
    "treadmill-run": "treadmill_run",
    "indoor": "treadmill_run",
    "track": "track_run",
    "track-run": "track_run",
    "walking": "walk",
    "hiking": "hike",
    "bike": "cycling",
    "ride": "cycling",
    "cycle": "cycling",
    "swim": "swimming",
    "row": "rowing",
    "gym": "strength",
}


def parse_sport(text: str) -> str:
    """Canonical sport name for what a user typed ('Trail' -> 'trail_run')."""
    key = text.strip().lower().replace(" ", "_")
    key = ALIASES.get(key, ALIASES.get(key.replace("_", "-"), key))
    if key not in SPORTS:
        raise UsageProblem(f"unknown sport {text!r}; use one of: {', '.join(SPORTS)}")
    return key


def wears_shoes(sport: str) -> bool:
    return sport in SHOE_SPORTS


def family(sport: str) -> str:
    """Sport family for cross-format duplicate detection (a trail run exported as 'run')."""
    if sport in RUN_SPORTS:
        return "run"
    if sport in ("walk", "hike"):
        return "foot"
    return sport
