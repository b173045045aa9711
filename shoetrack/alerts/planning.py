"""Replacement alerts: decide what is due (pure), record it, and queue one digest per channel.

docs/alerts.md describes the policy. Distances are meters, times timezone-aware UTC; "today" (for
forecasts and the age of a pair) is the runner's local calendar date of `now`.

Levels of a pair, each recorded once in the `alerts` table:

- approaching: within 10 % of the warn distance, or forecast to reach it within 14 days;
- window: at or past the warn distance;
- replace: at or past the replace distance;
- reminder: at or past 115 % of the replace distance, at least 10 days after the pair's last alert,
  and worn since that alert. The only level that repeats (every 10 days at most) while the pair
  stays unretired: it is the nudge to actually retire the pair. `alerts snooze` holds it;
- age: older than the pair's max_age_days since purchased_on.

Decisions (documented in docs/alerts.md):

- A pair that reaches several wear levels at once (a 600 mi import, a first check on an old pair)
  gets all of them recorded, so each still fires only once, but only the highest is notified; the
  lower ones are "covered" by it and have no delivery.
- An alert re-arms (gets `rearmed_at`) when the pair is back below its level AND below the distance
  at which it was raised: activities moved off the pair. A forecast that merely slows down (the
  runner took a week off) does not re-arm "approaching", so it cannot flap.
- Snooze holds reminders only: window, replace and age happen once and are news.
- Retired pairs never alert and their alerts are left as they are.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from shoetrack import shoes
from shoetrack.alerts import outbox
from shoetrack.alerts.levels import advice, headline, pace_text, rank, sentence
from shoetrack.errors import ShoetrackError
from shoetrack.insight.alerting import raise_load_alerts
from shoetrack.mileage import PairStatus, compute
from shoetrack.notify import CHANNELS
from shoetrack.units import format_distance, from_iso, iso, to_units

# Wear levels in the order a pair passes them; reminder and age stand apart.
WEAR_LEVELS = ("approaching", "window", "replace")
REMINDER_FRACTION = 1.15  # of the replace distance
REMINDER_EVERY = timedelta(days=10)


@dataclass
class Due:
    """An alert to record. `notify` is False for a lower wear level covered by a higher one
    reached at the same time (recorded as passed, never sent). distance_m in meters."""

    status: PairStatus
    level: str
    message: str
    notify: bool = True

    @property
    def shoe_id(self) -> int:
        return self.status.shoe.id

    @property
    def distance_m(self) -> float:
        return self.status.total_m


@dataclass
class Plan:
    """What a check should do: alerts to raise and ids of alert rows to re-arm."""

    due: list[Due] = field(default_factory=list)
    rearm: list[int] = field(default_factory=list)


def reached(st, today: date) -> dict[str, bool]:
    """Which levels a pair is at or past (ignoring history, snooze and retirement)."""

    r = rank(st.state)
    age = False
    shoe = st.shoe
    if shoe.max_age_days and shoe.purchased_on:
        age = (today - date.fromisoformat(shoe.purchased_on)).days > shoe.max_age_days
    return {
        "approaching": r >= rank("approaching"),
        "window": r >= rank("window"),
        "replace": r >= rank("replace"),
        "reminder": st.total_m >= REMINDER_FRACTION * st.replace_m,
        "age": age,
    }


def plan(statuses, history: list[dict], now: datetime, *, units: str = "mi") -> Plan:
    """The pure decision: which alerts are due and which recorded alerts re-arm.

    `statuses`: mileage.PairStatus per pair, computed at `now` (UTC). `history`: rows of the
    `alerts` table (id, shoe_id, level, distance_m, raised_at, rearmed_at). `units` only shapes
    the message texts.
    """

    today = now.astimezone().date()
    rows_by_shoe: dict[int, list[dict]] = defaultdict(list)
    for row in history:
        rows_by_shoe[row["shoe_id"]].append(row)
    out = Plan()
    for st in statuses:
        shoe = st.shoe
        if shoe.retired:
            continue
        at = reached(st, today)
        active: dict[str, list[dict]] = defaultdict(list)
        for row in rows_by_shoe.get(shoe.id, []):
            if row["rearmed_at"] is not None:
                continue
            level = row["level"]
            fell_back = not at.get(level, False) and (
                level == "age" or st.total_m < row["distance_m"]
            )
            if fell_back:
                out.rearm.append(row["id"])
            else:
                active[level].append(row)

        new = [lv for lv in WEAR_LEVELS if at[lv] and not active[lv]]
        for lv in new:
            out.due.append(Due(st, lv, sentence(st, lv, units, today), notify=lv == new[-1]))
        if at["age"] and not active["age"]:
            new.append("age")
            out.due.append(Due(st, "age", sentence(st, "age", units, today)))
        if new or not at["reminder"] or not active["replace"] or snoozed(shoe, now):
            continue
        last = max((r for rows in active.values() for r in rows), key=lambda r: r["raised_at"])
        # Worn since the last alert: a pair left in the cupboard unretired is no reason to nag.
        if now - from_iso(last["raised_at"]) >= REMINDER_EVERY and st.total_m > last["distance_m"]:
            out.due.append(Due(st, "reminder", sentence(st, "reminder", units, today)))
    return out


def due(statuses, history: list[dict], now: datetime, *, units: str = "mi") -> list[Due]:
    """The alerts due at `now` (see plan())."""
    return plan(statuses, history, now, units=units).due


def snoozed(shoe, now: datetime) -> bool:
    return bool(shoe.snoozed_until) and shoe.snoozed_until > iso(now)


@dataclass
class Raised:
    """What raise_due() did: alert rows inserted (notified and covered), rows re-armed, and the
    ids of the deliveries queued (one per enabled channel, or none)."""

    notified: list[Due] = field(default_factory=list)
    covered: list[Due] = field(default_factory=list)
    rearmed: list[dict] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    load: list = field(default_factory=list)  # insight.alerting.LoadAlert raised by this check


def raise_due(store, config, now: datetime | None = None) -> Raised:
    """Record what is due at `now` (UTC) and queue one digest per enabled channel, in one
    transaction (BEGIN IMMEDIATE): a crash leaves either everything or nothing, so an alert is
    never recorded without its deliveries, and two checks at the same instant take turns, so
    the second sees what the first raised and raises nothing twice."""

    now = now or datetime.now(timezone.utc)
    stamp = iso(now)
    result = Raised(channels=config.enabled_channels())
    with store.write():
        statuses = compute(store, config, now=now)
        history = store.q(
            "SELECT id, shoe_id, level, distance_m, raised_at, rearmed_at FROM alerts"
        )
        p = plan(statuses, history, now, units=config.units)
        for alert_id in p.rearm:
            store.conn.execute("UPDATE alerts SET rearmed_at = ? WHERE id = ?", (stamp, alert_id))
        if p.rearm:
            marks = ",".join("?" * len(p.rearm))
            result.rearmed = store.q(
                f"SELECT a.*, s.name AS shoe FROM alerts a JOIN shoes s ON s.id = a.shoe_id"
                f" WHERE a.id IN ({marks}) ORDER BY a.id",
                p.rearm,
            )
        notify_ids = []
        for d in p.due:
            cur = store.conn.execute(
                "INSERT INTO alerts (shoe_id, level, distance_m, raised_at, message)"
                " VALUES (?, ?, ?, ?, ?)",
                (d.shoe_id, d.level, d.distance_m, stamp, d.message),
            )
            if d.notify:
                notify_ids.append(cur.lastrowid)
                result.notified.append(d)
            else:
                result.covered.append(d)
        if result.notified:
            _queue(store, config, result, notify_ids, statuses, now)
    # The optional training-load alert (off by default) shares the check and the outbox.

    result.load = raise_load_alerts(store, config, result.channels, now)
    return result


def _queue(store, config, result: Raised, notify_ids: list[int], statuses, now: datetime) -> None:
    """Queue the digest of `result.notified` for every enabled channel, and for a channel that
    still holds unsent messages (turned off, or its server down): those are folded into the new
    digest, so what a channel missed arrives as one message, with the current level of each
    pair instead of a stale one it has since passed."""

    today = now.astimezone().date()
    by_shoe = {st.shoe.id: st for st in statuses}
    waiting = outbox.unsent_by_channel(store, now)
    for channel in [c for c in CHANNELS if c in result.channels or c in waiting]:
        earlier = waiting.get(channel, {})
        dues = _fold(result.notified, earlier.get("alerts", []), by_shoe)
        subject, body = compose(channel, dues, config.units, today)
        outbox.replace(store, earlier.get("ids", []))
        result.deliveries.append(
            outbox.enqueue(
                store,
                channel,
                subject,
                body,
                sorted(set(notify_ids) | {a["id"] for a in earlier.get("alerts", [])}),
                now,
            )
        )


def _fold(new: list[Due], earlier: list[dict], by_shoe: dict) -> list[Due]:
    """The alerts of one digest: the new ones, plus the earlier unsent ones of each pair that a
    new, higher wear level does not supersede (their text as raised; in pair order)."""

    top: dict[int, int] = {}
    for d in new:
        if d.level in WEAR_LEVELS:
            top[d.shoe_id] = max(top.get(d.shoe_id, -1), rank(d.level))
    have = {(d.shoe_id, d.level) for d in new}
    kept = []
    for a in earlier:
        st = by_shoe.get(a["shoe_id"])
        if st is None or (a["shoe_id"], a["level"]) in have:
            continue  # retired since, or raised again now
        if a["level"] in WEAR_LEVELS and rank(a["level"]) <= top.get(a["shoe_id"], -1):
            continue  # superseded by the pair's current level
        kept.append(Due(st, a["level"], a["message"]))
        have.add((a["shoe_id"], a["level"]))
    return kept + list(new)


@dataclass
class Check:
    """One alert check: what was raised and each delivery attempt."""

    raised: Raised
    attempts: list = field(default_factory=list)


def check(store, config, now: datetime | None = None, *, force: bool = False) -> Check:
    """The alert check the daemon and `shoetrack alerts check` both run: raise what is due at
    `now` (UTC), then deliver the outbox. `force` (a person is watching) tries every queued
    message now; otherwise failed ones wait for their backoff."""

    now = now or datetime.now(timezone.utc)
    raised = raise_due(store, config, now)
    return Check(raised, outbox.deliver_pending(store, config, now, force=force))


def snooze(store, shoe, days: int | None, now: datetime | None = None):
    """Hold the pair's reminders for `days` days from `now` (UTC); days=None clears the snooze.
    Returns the new snoozed_until (ISO UTC) or None."""

    if days is not None and not 1 <= days <= 3650:
        raise ShoetrackError("--days must be between 1 and 3650")
    now = now or datetime.now(timezone.utc)
    until = iso(now + timedelta(days=days)) if days is not None else None
    with store.write():
        store.conn.execute("UPDATE shoes SET snoozed_until = ? WHERE id = ?", (until, shoe.id))
    return shoes.get(store, shoe.id).snoozed_until


def listing(store) -> list[dict]:
    """Every recorded alert, newest first, with its pair name and deliveries; `covered_by` names
    the higher level that was notified instead (same pair, same check)."""
    alerts = store.q(
        "SELECT a.id, a.shoe_id, s.name AS shoe, a.level, a.distance_m, a.raised_at,"
        " a.rearmed_at, a.message FROM alerts a JOIN shoes s ON s.id = a.shoe_id"
        " ORDER BY a.raised_at DESC, a.id DESC"
    )
    links = defaultdict(list)
    for row in store.q(
        "SELECT l.alert_id, d.id, d.channel, d.status, d.attempts, d.last_error,"
        " d.next_attempt_at, d.sent_at FROM delivery_alerts l JOIN deliveries d"
        " ON d.id = l.delivery_id ORDER BY d.id"
    ):
        links[row.pop("alert_id")].append(row)
    same_check = defaultdict(list)
    for a in alerts:
        same_check[(a["shoe_id"], a["raised_at"])].append(a)
    for a in alerts:
        a["deliveries"] = links.get(a["id"], [])
        a["covered_by"] = None
        if not a["deliveries"] and a["level"] in WEAR_LEVELS:
            higher = [
                b["level"]
                for b in same_check[(a["shoe_id"], a["raised_at"])]
                if b["level"] in WEAR_LEVELS
                and WEAR_LEVELS.index(b["level"]) > WEAR_LEVELS.index(a["level"])
            ]
            if higher:
                a["covered_by"] = max(higher, key=WEAR_LEVELS.index)
    return alerts


# ---------------------------------------------------------------------------------------------
# Texts


def title(dues: list[Due]) -> str:
    """Short title of a digest: the headline for one alert, else a count of pairs."""

    names = list(dict.fromkeys(d.status.shoe.name for d in dues))
    if len(dues) == 1:
        return headline(dues[0].level, names[0])
    if len(names) == 1:
        return f"{names[0]}: {len(dues)} alerts"
    return f"{len(names)} pairs need attention: " + ", ".join(names)


def compose(channel: str, dues: list[Due], units: str, today: date) -> tuple[str, str]:
    """(subject, body) of the digest for `channel`: a plain-text email with one block per alert,
    or a short notification (desktop, push) with one line per alert."""
    if channel in ("desktop", "push"):
        return title(dues), "\n".join(d.message for d in dues)
    blocks = [_email_block(d, units, today) for d in dues]
    intro = "" if len(dues) == 1 else f"{len(dues)} shoe alerts:\n\n"
    footer = (
        "-- \n"
        "Sent by shoetrack. `shoetrack status` shows every pair; `shoetrack alerts`\n"
        "lists the alerts. Hold a pair's reminders with\n"
        "shoetrack alerts snooze NAME --days 14\n"
    )
    return "shoetrack: " + title(dues), intro + "\n\n".join(blocks) + "\n\n" + footer


def _email_block(d: Due, units: str, today: date) -> str:

    st = d.status

    def fd(m):
        return format_distance(m, units, 0)

    lines = [headline(d.level, st.shoe.name) + ".", ""]
    lines.append(
        f"  Distance:   {fd(st.total_m)} (warn at {fd(st.warn_m)}, replace at {fd(st.replace_m)})"
    )
    if d.level in ("approaching", "window"):
        target, when = (
            (st.warn_m, st.forecast_warn)
            if d.level == "approaching"
            else (st.replace_m, st.forecast_replace)
        )
        pace = pace_text(st, when, units, today)
        forecast = (
            f"{fd(target)} around {when.isoformat()}, {pace}"
            if pace and when
            else "no runs on it in the last 6 weeks to forecast from"
        )
        lines.append(f"  Forecast:   {forecast}")
    elif d.level in ("replace", "reminder"):
        over = st.total_m - st.replace_m
        rate = to_units(st.rate_m_per_day * 7, units)
        worn = (
            f"you run ~{rate:.0f} {units}/week on it"
            if st.rate_m_per_day > 0
            else "not worn in the last 6 weeks"
        )
        lines.append(f"  Forecast:   past the replace distance by {fd(over)}; {worn}")
    elif st.shoe.purchased_on:  # an age alert needs a purchase date
        bought = date.fromisoformat(st.shoe.purchased_on)
        lines.append(
            f"  Age:        bought {bought.isoformat()}, {(today - bought).days} days ago "
            f"(limit {st.shoe.max_age_days} days)"
        )
    todo = []
    for line in advice(d.level, st, units).split("\n"):
        # Commands stay whole on their own line, so they can be copied.
        todo += [line] if line.startswith("  ") else textwrap.wrap(line, width=76 - 14)
    lines.append("  What to do: " + ("\n" + " " * 14).join(todo))
    return "\n".join(lines)
