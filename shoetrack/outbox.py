"""The outbox: one row per message and channel in `deliveries`, sent by deliver_pending().

States: `pending` (queued, never tried), `failed` (the last attempt failed: `last_error` says why,
`next_attempt_at` when the next automatic attempt is due) and `sent` (`sent_at`). Nothing is ever
dropped: a failed delivery is retried until it goes out. Retries back off exponentially (2 min,
4 min, 8 min ... at most 6 h) for automatic checks; `force=True` (a person running
`shoetrack alerts check`) tries everything now.

Each delivery is claimed before it is sent (attempts + 1, compare-and-set) and the network call
happens outside any transaction, so a slow mail server never holds the database lock. Delivery is
at-least-once: a crash between the server accepting a message and the `sent` update sends it
again on the next check.

Only the notifier modules import smtplib / jeepney, and only when a delivery is really sent.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from shoetrack.units import iso

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=6)
# While one process sends, another automatic check leaves the delivery alone this long.
CLAIM_LEASE = timedelta(minutes=5)

# A sender takes (subject, body) and returns a one-line receipt ("sent to ... (Message-ID <..>)"),
# or raises DeliveryError with a one-line reason.
Sender = Callable[[str, str], str]


def enqueue(store, channel: str, subject: str, body: str, alert_ids: list[int],
            now: datetime) -> int:
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
            return (f"{self.channel}: held ({self.detail}); delivery #{self.delivery_id} stays "
                    "queued until it is turned on")
        if self.outcome == "skipped":
            return (f"{self.channel}: not tried ({self.detail}); delivery #{self.delivery_id} "
                    "stays queued")
        return (f"{self.channel}: failed, attempt {self.attempts}: {self.detail} "
                f"(delivery #{self.delivery_id} stays queued and is retried)")


def deliver_pending(store, config, now: datetime | None = None, *,
                    senders: dict[str, Sender] | None = None, force: bool = False) -> list[Attempt]:
    """Try every unsent delivery whose next attempt is due at `now` (UTC), or all with `force`.

    `senders` maps a channel to a Sender; the default sends through the real channels from
    `config`. A channel that fails does not stop the others; after its first failure in a run,
    its other deliveries are skipped (a server that is down would only make each one wait for
    its timeout).
    """
    from shoetrack.notify import DeliveryError, one_line

    from shoetrack.alerts import CHANNELS, enabled_channels

    now = now or datetime.now(timezone.utc)
    # A channel turned off in the config keeps its queued messages (nothing is dropped) but is
    # not tried: they go out if it is turned on again.
    held = set() if senders is not None else set(CHANNELS) - set(enabled_channels(config))
    senders = senders if senders is not None else default_senders(config)
    rows = store.q("SELECT * FROM deliveries WHERE status != 'sent' ORDER BY id")
    broken: dict[str, str] = {}
    out: list[Attempt] = []
    for row in rows:
        channel = row["channel"]
        if not force and row["next_attempt_at"] and row["next_attempt_at"] > iso(now):
            continue
        if channel in held:
            out.append(Attempt(row["id"], channel, row["subject"], "held",
                               f"{channel} is turned off in the config", row["attempts"]))
            continue
        if channel in broken:
            out.append(Attempt(row["id"], channel, row["subject"], "skipped",
                               f"{channel} failed just before", row["attempts"],
                               row["next_attempt_at"]))
            continue
        attempts = _claim(store, row, now)
        if attempts is None:
            continue  # another process took it
        sender = senders.get(channel)
        try:
            if sender is None:
                raise DeliveryError(f"no sender for channel {channel!r}", channel=channel)
            receipt = sender(row["subject"], row["body"])
        except DeliveryError as e:
            reason = str(e)
        except Exception as e:  # one broken channel must not stop the others
            # A bug, not a delivery problem (redacted: a library could echo the password): kept with its traceback in the log, and the delivery
            # stays queued rather than lost.
            log.exception("delivery %d through %s crashed", row["id"], channel)
            reason = _redact_password(f"unexpected {type(e).__name__}: {one_line(e)}",
                                      getattr(sender, "_password", None))
        else:
            with store.write():
                store.conn.execute(
                    "UPDATE deliveries SET status = 'sent', sent_at = ?, last_error = NULL,"
                    " next_attempt_at = NULL WHERE id = ?", (iso(now), row["id"]))
            out.append(Attempt(row["id"], channel, row["subject"], "sent", receipt, attempts))
            continue
        broken[channel] = reason
        retry_at = iso(now + backoff(attempts))
        with store.write():
            store.conn.execute(
                "UPDATE deliveries SET status = 'failed', last_error = ?, next_attempt_at = ?"
                " WHERE id = ?", (reason, retry_at, row["id"]))
        log.info("delivery %d through %s failed (attempt %d): %s", row["id"], channel, attempts,
                 reason)
        out.append(Attempt(row["id"], channel, row["subject"], "failed", reason, attempts, retry_at))
    return out


def _redact_password(text: str, known: str | None) -> str:
    import os

    from shoetrack.notify import redact
    from shoetrack.notify.email import PASSWORD_ENV

    return redact(text, os.environ.get(PASSWORD_ENV), known)


def _claim(store, row: dict, now: datetime) -> int | None:
    """Count the attempt before sending (compare-and-set on `attempts`), so two processes never
    both send a delivery they read at the same time. Returns the new attempt count or None."""
    with store.write():
        cur = store.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?"
            " WHERE id = ? AND attempts = ? AND status != 'sent'",
            (iso(now + CLAIM_LEASE), row["id"], row["attempts"]),
        )
    return row["attempts"] + 1 if cur.rowcount == 1 else None


def pending(store) -> list[dict]:
    """Unsent deliveries, oldest first."""
    return store.q("SELECT id, channel, status, subject, attempts, last_error, next_attempt_at,"
                   " created_at FROM deliveries WHERE status != 'sent' ORDER BY id")


# ---------------------------------------------------------------------------------------------
# The real channels


def default_senders(config) -> dict[str, Sender]:
    return {"email": EmailSender(config.email or {}), "desktop": DesktopSender(config.desktop or {})}


class EmailSender:
    """Sends through SMTP with the `[email]` settings. Settings and password are read once, on
    the first message (the keyring can take a moment); the password is never logged or stored."""

    def __init__(self, section: dict):
        self.section = section
        self._ready = False
        self._settings = None
        self._password = None

    def _prepare(self):
        from shoetrack.notify import DeliveryError
        from shoetrack.notify.email import NO_PASSWORD, EmailSettings, get_password

        if not self._ready:
            try:
                self._settings = EmailSettings.from_config(self.section)
            except ValueError as e:
                raise DeliveryError(f"email settings: {e}", channel="email") from None
            if self._settings.username:
                self._password = get_password(self._settings)
                if self._password is None:
                    raise DeliveryError(NO_PASSWORD, channel="email")
            self._ready = True
        return self._settings

    def __call__(self, subject: str, body: str) -> str:
        from shoetrack.notify.email import send_email

        s = self._prepare()
        message_id = send_email(s, subject, body, password=self._password)
        host = f"[{s.host}]" if ":" in s.host else s.host
        return f"sent to {', '.join(s.recipients)} via {host}:{s.port} (Message-ID {message_id})"


class DesktopSender:
    """Shows a notification on the desktop (`[desktop] timeout`, seconds, default 5)."""

    def __init__(self, section: dict):
        self.timeout_s = float(section.get("timeout", 5.0))

    def __call__(self, subject: str, body: str) -> str:
        from shoetrack.notify.desktop import send_desktop

        nid = send_desktop(subject, body, timeout_s=self.timeout_s)
        return f"notification #{nid} shown"


def send_test(config, channel: str, now: datetime | None = None) -> str:
    """Send a test message through `channel` now (not through the outbox); returns the receipt
    line, raises DeliveryError with the reason."""
    now = now or datetime.now(timezone.utc)
    sender = default_senders(config)[channel]
    subject = "shoetrack test message"
    body = (f"If you can read this, shoetrack can reach you through {channel}.\n"
            f"Sent by `shoetrack notify test --channel {channel}` at {iso(now)}.\n")
    return f"{channel} {sender(subject, body)}"
