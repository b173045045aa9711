"""The outbox: one row per message and channel in `deliveries`, sent by deliver_pending().

States: `pending` (queued, never tried), `failed` (the last attempt failed: `last_error` says why,
`next_attempt_at` when the next automatic attempt is due) and `sent` (`sent_at`). Nothing is ever
dropped: a failed delivery is retried until it goes out. Retries back off exponentially (2 min,
4 min, 8 min ... at most 6 h) for automatic checks; `force=True` (a person running
`shoetrack alerts check`) tries everything now.

Each delivery is claimed before it is sent (attempts + 1 and a lease in `claimed_until`,
compare-and-set inside BEGIN IMMEDIATE) and the network call happens outside any transaction, so a slow mail server never holds the database lock. Delivery is
at-least-once: a crash between the server accepting a message and the `sent` update sends it
again on the next check.

The channels themselves (senders, the test send) live in shoetrack.notify; only its modules
import smtplib / jeepney / apprise, and only when a delivery is really sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from shoetrack import notify
from shoetrack.notify import CHANNELS, DeliveryError, one_line
from shoetrack.units import iso

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=6)
# While one process sends, another automatic check leaves the delivery alone this long.
CLAIM_LEASE = timedelta(minutes=5)

# A sender takes (subject, body) and returns a one-line receipt ("sent to ... (Message-ID <..>)"),
# or raises DeliveryError with a one-line reason.
Sender = Callable[[str, str], str]


def enqueue(
    store, channel: str, subject: str, body: str, alert_ids: list[int], now: datetime
) -> int:
    """Queue one message for `channel`, linked to the alerts it reports. Returns its id."""
    with store.write():
        cur = store.conn.execute(
            "INSERT INTO deliveries (channel, status, subject, body, next_attempt_at, created_at)"
            " VALUES (?, 'pending', ?, ?, ?, ?)",
            (channel, subject, body, iso(now), iso(now)),
        )
        delivery_id = cur.lastrowid
        store.conn.executemany(
            "INSERT INTO delivery_alerts (delivery_id, alert_id) VALUES (?, ?)",
            [(delivery_id, a) for a in alert_ids],
        )
    return delivery_id


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 2 min doubling, at most 6 h."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


@dataclass
class Attempt:
    """One delivery handled by deliver_pending(). `outcome` is sent / failed / skipped
    (skipped: its channel already failed in this run, so it was not tried and not counted) /
    held (its channel is turned off in the config: kept, not tried, not a failure)."""

    delivery_id: int
    channel: str
    subject: str
    outcome: str
    detail: str  # the receipt when sent, the reason otherwise
    attempts: int
    next_attempt_at: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "sent"

    def line(self) -> str:
        """One line for people, e.g. 'email: sent to a@b via host:587 (Message-ID <..>)'."""
        if self.outcome == "sent":
            return f"{self.channel}: {self.detail}"
        if self.outcome == "held":
            return (
                f"{self.channel}: held ({self.detail}); delivery #{self.delivery_id} stays "
                "queued until it is turned on"
            )
        if self.outcome == "skipped":
            return (
                f"{self.channel}: not tried ({self.detail}); delivery #{self.delivery_id} "
                "stays queued"
            )
        return (
            f"{self.channel}: failed, attempt {self.attempts}: {self.detail} "
            f"(delivery #{self.delivery_id} stays queued and is retried)"
        )


def deliver_pending(
    store,
    config,
    now: datetime | None = None,
    *,
    senders: dict[str, Sender] | None = None,
    force: bool = False,
) -> list[Attempt]:
    """Try every unsent delivery whose next attempt is due at `now` (UTC), or all with `force`.

    `senders` maps a channel to a Sender; the default sends through the real channels from
    `config` (shoetrack.notify.senders). A channel that fails does not stop the others; after
    its first failure in a run, its other deliveries are skipped (a server that is down would
    only make each one wait for its timeout).
    """

    now = now or datetime.now(timezone.utc)
    # A channel turned off in the config keeps its queued messages (nothing is dropped) but is
    # not tried: they go out if it is turned on again.
    held = set() if senders is not None else set(CHANNELS) - set(config.enabled_channels())
    senders = senders if senders is not None else notify.senders(config)
    rows = store.q("SELECT * FROM deliveries WHERE status != 'sent' ORDER BY id")
    broken: dict[str, str] = {}
    out: list[Attempt] = []
    for row in rows:
        channel = row["channel"]
        if not force and row["next_attempt_at"] and row["next_attempt_at"] > iso(now):
            continue
        if channel in held:
            out.append(
                Attempt(
                    row["id"],
                    channel,
                    row["subject"],
                    "held",
                    f"{channel} is turned off in the config",
                    row["attempts"],
                )
            )
        elif channel in broken:
            out.append(
                Attempt(
                    row["id"],
                    channel,
                    row["subject"],
                    "skipped",
                    f"{channel} failed just before",
                    row["attempts"],
                    row["next_attempt_at"],
                )
            )
        else:
            attempt = _attempt(store, row, senders.get(channel), now)
            if attempt is not None:
                out.append(attempt)
                if not attempt.ok:
                    broken[channel] = attempt.detail
    return out


def _attempt(store, row: dict, sender, now: datetime) -> Attempt | None:
    """Claim one delivery, send it and record the outcome; None when another process has it."""

    attempts = _claim(store, row, now)
    if attempts is None:
        return None
    channel = row["channel"]
    try:
        if sender is None:
            raise DeliveryError(f"no sender for channel {channel!r}", channel=channel)
        receipt = sender(row["subject"], row["body"])
    except DeliveryError as e:
        reason = str(e)
    except Exception as e:  # one broken channel must not stop the others
        # A bug, not a delivery problem: kept with its traceback in the log, and the delivery
        # stays queued rather than lost. The sender redacts its own secrets (password, URLs),
        # which a library could echo inside an exception.
        log.exception("delivery %d through %s crashed", row["id"], channel)
        reason = f"unexpected {type(e).__name__}: {one_line(e)}"
        reason = sender.redact(reason) if hasattr(sender, "redact") else reason
    else:
        with store.write():
            store.conn.execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, last_error = NULL,"
                " next_attempt_at = NULL, claimed_until = NULL WHERE id = ?",
                (iso(now), row["id"]),
            )
        return Attempt(row["id"], channel, row["subject"], "sent", receipt, attempts)
    retry_at = iso(now + backoff(attempts))
    with store.write():
        store.conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ?, next_attempt_at = ?,"
            " claimed_until = NULL WHERE id = ?",
            (reason, retry_at, row["id"]),
        )
    log.info("delivery %d through %s failed (attempt %d): %s", row["id"], channel, attempts, reason)
    return Attempt(row["id"], channel, row["subject"], "failed", reason, attempts, retry_at)


def _claim(store, row: dict, now: datetime) -> int | None:
    """Take the delivery before sending it, inside BEGIN IMMEDIATE: only an unsent row whose
    attempt count is still the one read and that no other process holds (`claimed_until`, a
    lease in case that process dies) is taken. So two checks at the same instant, forced or
    not, never both send it. Returns the new attempt count or None."""
    with store.write():
        cur = store.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = ?"
            " WHERE id = ? AND attempts = ? AND status != 'sent'"
            " AND (claimed_until IS NULL OR claimed_until <= ?)",
            (iso(now + CLAIM_LEASE), iso(now + CLAIM_LEASE), row["id"], row["attempts"], iso(now)),
        )
    return row["attempts"] + 1 if cur.rowcount == 1 else None


def pending(store) -> list[dict]:
    """Unsent deliveries, oldest first."""
    return store.q(
        "SELECT id, channel, status, subject, attempts, last_error, next_attempt_at,"
        " created_at FROM deliveries WHERE status != 'sent' ORDER BY id"
    )


def unsent_by_channel(store, now: datetime) -> dict[str, dict]:
    """Per channel, the unsent deliveries of pair alerts no process is sending at `now` ("ids")
    and the alert rows they report ("alerts": id, shoe_id, level, message): what a new digest
    folds in. A message reporting no pair alert (a training-load note) is left as it is."""
    out: dict[str, dict] = {}
    for row in store.q(
        "SELECT d.id AS delivery_id, d.channel, a.id, a.shoe_id, a.level, a.message"
        " FROM deliveries d JOIN delivery_alerts l ON l.delivery_id = d.id"
        " JOIN alerts a ON a.id = l.alert_id"
        " WHERE d.status != 'sent' AND (d.claimed_until IS NULL OR d.claimed_until <= ?)"
        " ORDER BY d.id, a.id",
        (iso(now),),
    ):
        entry = out.setdefault(row["channel"], {"ids": [], "alerts": []})
        if row["delivery_id"] not in entry["ids"]:
            entry["ids"].append(row["delivery_id"])
        entry["alerts"].append({k: row[k] for k in ("id", "shoe_id", "level", "message")})
    return out


def replace(store, delivery_ids: list[int]) -> None:
    """Remove unsent deliveries whose alerts a new digest reports instead (never a sent or a
    claimed one: the caller got them from unsent_by_channel inside the same transaction)."""
    with store.write():
        store.conn.executemany(
            "DELETE FROM deliveries WHERE id = ? AND status != 'sent'", [(i,) for i in delivery_ids]
        )
