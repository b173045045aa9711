"""What every channel shares: the delivery error and the one-line, redacted reasons."""

from __future__ import annotations

from shoetrack.errors import ShoetrackError


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
