"""Delivery channels for alerts: email (``shoetrack.notify.email``), desktop
(``shoetrack.notify.desktop``) and push to the phone through apprise (``shoetrack.notify.push``).

This package module stays import-light on purpose: smtplib, keyring, jeepney, desktop-notifier
and apprise are imported inside the functions that need them, so ``shoetrack --help`` does not
pay for them. It knows nothing of alerts or the outbox: they call it, never the other way.
"""

from __future__ import annotations

from shoetrack.config import CHANNELS
from shoetrack.errors import ShoetrackError

__all__ = ["CHANNELS", "DeliveryError", "one_line", "redact", "send_test", "senders"]



def one_line(text: object) -> str:
    """Collapse ``text`` to a single line: a server reply or OS error may hold newlines, and an
    error reason is shown in a table cell and stored in the outbox's ``last_error`` column."""
    return " ".join(str(text).split())


def redact(text: str, *secrets: str | None) -> str:
    """Replace every non-empty secret in ``text`` by ``***``.

    A last line of defence: reasons are built without the password, but a library or server could
    still echo it back inside an exception message.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class DeliveryError(ShoetrackError):
    """A notification could not be delivered.

    A ShoetrackError (itself an Exception), so the CLI prints it as a one-line error.

    ``str(error)`` is a one-line reason meant for people (the CLI, the outbox's last error):
    it never holds a password or a traceback. ``channel`` says which channel failed
    ("email", "desktop" or "push").
    """

    def __init__(self, reason: str, *, channel: str = "") -> None:
        self.reason = one_line(reason)
        self.channel = channel
        super().__init__(self.reason)

    def __str__(self) -> str:
        return self.reason


def senders(config) -> dict:
    """The real sender of each channel, from the settings in `config`. A sender takes
    (subject, body), returns a one-line receipt, raises DeliveryError with a one-line reason,
    and has `redact(text)` to take its own secrets (password, URLs) out of any text."""
    from shoetrack.notify.desktop import DesktopSender
    from shoetrack.notify.email import EmailSender
    from shoetrack.notify.push import PushSender

    return {"email": EmailSender(config), "desktop": DesktopSender(config),
            "push": PushSender(config)}


def send_test(config, channel: str, now) -> str:
    """Send a test message through `channel` now (not through the outbox); returns the receipt
    line, raises DeliveryError with the reason. `now` is a UTC datetime."""
    from shoetrack.units import iso

    sender = senders(config)[channel]
    subject = "shoetrack test message"
    body = (f"If you can read this, shoetrack can reach you through {channel}.\n"
            f"Sent by `shoetrack notify test --channel {channel}` at {iso(now)}.\n")
    return f"{channel} {sender(subject, body)}"
