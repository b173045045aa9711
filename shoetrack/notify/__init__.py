"""Delivery channels for alerts: email (``shoetrack.notify.email``), desktop
(``shoetrack.notify.desktop``) and push to the phone through apprise (``shoetrack.notify.push``).

This package module stays import-light on purpose: smtplib, keyring, jeepney, desktop-notifier
and apprise are imported inside the functions that need them, so ``shoetrack --help`` does not
pay for them. It knows nothing of alerts or the outbox: they call it, never the other way.
"""

from __future__ import annotations

from shoetrack.config import CHANNELS
from shoetrack.notify.base import DeliveryError, one_line, redact
from shoetrack.notify.desktop import DesktopSender
from shoetrack.notify.email import EmailSender
from shoetrack.notify.push import PushSender
from shoetrack.units import iso

__all__ = ["CHANNELS", "DeliveryError", "one_line", "redact", "send_test", "senders"]


def senders(config) -> dict:
    """The real sender of each channel, from the settings in `config`. A sender takes
    (subject, body), returns a one-line receipt, raises DeliveryError with a one-line reason,
    and has `redact(text)` to take its own secrets (password, URLs) out of any text."""

    return {
        "email": EmailSender(config),
        "desktop": DesktopSender(config),
        "push": PushSender(config),
    }


def send_test(config, channel: str, now) -> str:
    """Send a test message through `channel` now (not through the outbox); returns the receipt
    line, raises DeliveryError with the reason. `now` is a UTC datetime."""

    sender = senders(config)[channel]
    subject = "shoetrack test message"
    body = (
        f"If you can read this, shoetrack can reach you through {channel}.\n"
        f"Sent by `shoetrack notify test --channel {channel}` at {iso(now)}.\n"
    )
    return f"{channel} {sender(subject, body)}"
