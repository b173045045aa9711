"""The `[load]` settings (declared in the shared settings table, shoetrack.config.SETTINGS).

[load]
week_start = "monday"   # the first day of a training week, local time
alert = false           # the optional load alert through the outbox
alert_spike = 10        # alert on a run this many percent past the 30-day longest
alert_week = true       # also alert on a week past the +10% guideline
"""

from __future__ import annotations

from dataclasses import dataclass

from shoetrack.config import WEEKDAYS  # noqa: F401 - one list, used by load and report


@dataclass(frozen=True)
class LoadSettings:
    """week_start: 0 = Monday .. 6 = Sunday. alert_spike: a fraction (0.10 for 10 %)."""

    week_start: int = 0
    alert: bool = False
    alert_spike: float = 0.10
    alert_week: bool = True


def load_settings(config) -> LoadSettings:
    """The `[load]` settings of `config`, read through the settings table (shoetrack.config),
    which validated them when the file was loaded."""
    return LoadSettings(
        week_start=config.get("load.week_start"),
        alert=config.get("load.alert"),
        alert_spike=config.get("load.alert_spike") / 100,
        alert_week=config.get("load.alert_week"),
    )
