"""The `[load]` settings, read in one place so they can move into the shared settings table.

    [load]
    week_start = "monday"   # the first day of a training week, local time
    alert = false           # the optional load alert through the outbox
    alert_spike = 10        # alert on a run this many percent past the 30-day longest
    alert_week = true       # also alert on a week past the +10% guideline
"""
from __future__ import annotations

from dataclasses import dataclass

from shoetrack.errors import ShoetrackError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class LoadSettings:
    """week_start: 0 = Monday .. 6 = Sunday. alert_spike: a fraction (0.10 for 10 %)."""

    week_start: int = 0
    alert: bool = False
    alert_spike: float = 0.10
    alert_week: bool = True


def load_settings(config) -> LoadSettings:
    """The `[load]` table of the config file (Config.raw), validated; defaults when absent."""
    raw = dict((getattr(config, "raw", None) or {}).get("load", {}))
    day = str(raw.get("week_start", "monday")).strip().lower()
    matches = [i for i, name in enumerate(WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
    if len(matches) != 1:
        raise ShoetrackError(f"config [load] week_start: {raw.get('week_start')!r} is not a weekday "
                             "(monday .. sunday)")
    spike = raw.get("alert_spike", 10)
    if isinstance(spike, bool) or not isinstance(spike, (int, float)) or not 0 <= spike <= 1000:
        raise ShoetrackError(f"config [load] alert_spike: {spike!r} is not a percentage (0 .. 1000)")
    for key in ("alert", "alert_week"):
        if key in raw and not isinstance(raw[key], bool):
            raise ShoetrackError(f"config [load] {key}: {raw[key]!r} is not true or false")
    return LoadSettings(week_start=matches[0], alert=raw.get("alert", False),
                        alert_spike=spike / 100, alert_week=raw.get("alert_week", True))
