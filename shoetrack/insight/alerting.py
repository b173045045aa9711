"""The optional load alert: a run past the 30-day longest by more than a set percentage, or a week
past the +10% guideline, sent through the same outbox as the replacement alerts.

Off unless `[load] alert = true`. Only recent things alert (a run of the last 7 days, this week
or last week), so turning the alert on, or importing a years-old archive, does not send the
history. Each run and each week alerts once (the `load_alerts` table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from shoetrack.alerts import outbox
from shoetrack.insight.load import compute, week_of
from shoetrack.insight.settings import load_settings
from shoetrack.units import format_distance, iso

RECENT = timedelta(days=7)


@dataclass
class LoadAlert:
    kind: str  # "spike" | "week"
    key: str  # spike:<activity id> | week:<first day of the week>
    message: str


def due(
    picture, settings, recorded: set[str], now: datetime, *, units: str = "mi"
) -> list[LoadAlert]:
    """The pure decision. `picture`: load.Load at `now` (UTC); `settings`: LoadSettings;
    `recorded`: keys already alerted. Nothing when the alert is off."""

    if not settings.alert:
        return []
    fd = lambda m: format_distance(m, units)  # noqa: E731
    out = []
    for s in picture.spikes:
        key = f"spike:{s.id}"
        if (
            s.excess is None
            or s.excess <= settings.alert_spike
            or now - s.start > RECENT
            or key in recorded
        ):
            continue
        out.append(
            LoadAlert(
                "spike",
                key,
                (
                    f"Long run: {fd(s.distance_m)} on {s.start.astimezone().date()} was {s.excess:.0%} longer "
                    f"than your longest run of the 30 days before ({fd(s.longest_prior_m)}). Runs past the "
                    "30-day longest came with more overuse injuries in a study of 5,205 runners: "
                    "plan some easy days."
                ),
            )
        )
    this_week = week_of(now.astimezone().date(), picture.week_start_day)
    for w in picture.weeks:
        key = f"week:{w.week_start.isoformat()}"
        if (
            not settings.alert_week
            or not w.over_guideline
            or key in recorded
            or w.week_start < this_week - timedelta(days=7)
        ):
            continue
        so_far = "" if w.complete else " so far"
        out.append(
            LoadAlert(
                "week",
                key,
                (
                    f"Week of {w.week_start}: {fd(w.distance_m)} on foot{so_far}, {w.change:.0%} above the "
                    "mean of the four weeks before (the usual guideline is 10%, a convention rather than a "
                    "proven limit)."
                ),
            )
        )
    return out


def compose(channel: str, alerts: list[LoadAlert]) -> tuple[str, str]:
    """(subject, body) of one message for `channel` holding every load alert of this check."""
    title = (
        "Training load: a long run" if alerts[0].kind == "spike" else "Training load: a steep week"
    )
    if len(alerts) > 1:
        title = f"Training load: {len(alerts)} notes"
    body = "\n\n".join(a.message for a in alerts)
    if channel in ("desktop", "push"):  # the short form of a notification
        return title, body
    footer = (
        "-- \nSent by shoetrack. `shoetrack load` shows the weeks and long runs; "
        "docs/load.md the evidence.\nTurn these off with `alert = false` under [load] "
        "in the config.\n"
    )
    return "shoetrack: " + title, body + "\n\n" + footer


def raise_load_alerts(
    store, config, channels: list[str], now: datetime | None = None
) -> list[LoadAlert]:
    """Record the load alerts due at `now` (UTC) and queue one message per channel in `channels`,
    in one transaction. Returns what was raised (nothing when `[load] alert` is off)."""

    settings = load_settings(config)
    if not settings.alert:
        return []
    now = now or datetime.now(timezone.utc)
    with store.write():
        recorded = {r["key"] for r in store.q("SELECT key FROM load_alerts")}
        raised = due(
            compute(store, config, now=now, weeks=2), settings, recorded, now, units=config.units
        )
        for a in raised:
            store.conn.execute(
                "INSERT INTO load_alerts (kind, key, raised_at, message) VALUES (?, ?, ?, ?)",
                (a.kind, a.key, iso(now), a.message),
            )
        if raised:
            for channel in channels:
                subject, body = compose(channel, raised)
                outbox.enqueue(store, channel, subject, body, [], now)
    return raised
