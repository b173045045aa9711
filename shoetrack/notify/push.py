"""Push notifications to the phone through apprise (ntfy, Pushover, Telegram, Matrix, Signal,
Discord and many more, each addressed by a URL), configured by the ``[push]`` table.

The URLs often carry tokens, so they are secrets like the SMTP password: no receipt, error or
log line shows more than their scheme (``ntfy://***``); :meth:`PushSender.redact` takes them
out of any text, and a filter does the same for apprise's own log records.

apprise reports a failed delivery by its return value, never by raising: the result is checked.
Only this module imports apprise, and only when sending (the import costs ~140 ms).
"""

from __future__ import annotations

import inspect
import logging
import re
from urllib.parse import parse_qsl, urlsplit

from shoetrack.config import redact_url
from shoetrack.notify.base import DeliveryError, one_line, redact

log = logging.getLogger(__name__)

__all__ = ["PushSender", "secrets_of"]


def secrets_of(url: str) -> list[str]:
    """The URL and every part of it that may be a token (user, password, path segments, query
    values), longest first, so that redacting leaves none of them."""
    parts = [url]
    try:
        u = urlsplit(url)
    except ValueError:
        return parts
    parts += [u.username or "", u.password or "", u.netloc]
    parts += [seg for seg in re.split(r"[/:@]", u.path) if seg]
    parts += [v for _k, v in parse_qsl(u.query) if v]
    # Short pieces ("a", "v1") would mangle ordinary words of a message for nothing.
    return sorted({p for p in parts if len(p) >= 4}, key=len, reverse=True)


class _Redacting(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), *self.secrets)
        record.args = None
        return True


class PushSender:
    """The outbox's push channel: one message to every URL of ``push.urls``."""

    def __init__(self, config) -> None:
        self._urls: list[str] = config.get("push.urls") or []
        self.timeout_s: float = config.get("push.timeout")
        self._secrets = [s for url in self._urls for s in secrets_of(url)]
        self._last_reason = ""

    def redact(self, text: str) -> str:
        return redact(text, *self._secrets)

    def where(self) -> str:

        return ", ".join(redact_url(u) for u in self._urls)

    def __call__(self, subject: str, body: str) -> str:
        if not self._urls:
            raise DeliveryError("no push URLs: set push.urls in the config", channel="push")
        import apprise  # ~140 ms: only when a push really goes out

        guard = _Redacting(self._secrets)
        apprise_log = logging.getLogger("apprise")
        apprise_log.addFilter(guard)
        try:
            failed = [
                i
                for i, url in enumerate(self._urls, 1)
                if not self._send_one(apprise, url, subject, body)
            ]
        finally:
            apprise_log.removeFilter(guard)
        if failed:
            raise DeliveryError(
                self.redact(f"push not delivered to {self._failed_text(failed)}"), channel="push"
            )
        return f"sent to {self.where()}"

    def _send_one(self, apprise, url: str, subject: str, body: str) -> bool:
        notifier = apprise.Apprise()
        if not notifier.add(url):
            self._last_reason = "apprise does not understand this URL"
            return False
        kwargs = {}
        if "timeout" in inspect.signature(notifier.notify).parameters:  # apprise >= 2
            kwargs["timeout"] = self.timeout_s
        result = notifier.notify(title=subject, body=body, **kwargs)
        if result:
            return True
        logs = getattr(result, "logs", None)
        entries = [one_line(getattr(e, "message", e)) for e in (logs() if logs else [])]
        self._last_reason = entries[-1] if entries else "apprise gave no reason"
        return False

    def _failed_text(self, failed: list[int]) -> str:

        names = ", ".join(f"{redact_url(self._urls[i - 1])} (URL {i})" for i in failed)
        return f"{names}: {self._last_reason}"
