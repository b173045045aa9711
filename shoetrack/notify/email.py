"""Email delivery over SMTP (STARTTLS, implicit TLS or plain), configured by the ``[email]`` table.

Only this module imports smtplib, and only inside the functions that send (it costs ~90 ms to
import). The SMTP password never comes from the config file: it is read from
``SHOETRACK_SMTP_PASSWORD`` or the system keyring, and it never appears in an error or a log line.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shoetrack.config import SETTINGS, SMTP_PORTS
from shoetrack.errors import UsageProblem
from shoetrack.notify.base import DeliveryError, one_line, redact

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

log = logging.getLogger(__name__)

__all__ = [
    "EmailSettings",
    "PASSWORD_ENV",
    "KEYRING_SERVICE",
    "get_password",
    "build_message",
    "send_email",
    "EmailSender",
]

PASSWORD_ENV = "SHOETRACK_SMTP_PASSWORD"
KEYRING_SERVICE = "shoetrack"
NO_PASSWORD = f"no SMTP password: set {PASSWORD_ENV} or store it in the keyring"


@dataclass
class EmailSettings:
    """Where and how to send alert emails.

    ``timeout`` is in seconds and bounds each network operation (connect, every SMTP command).
    ``cafile`` is a PEM bundle to trust instead of the system store (self-hosted servers, tests).
    """

    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    cafile: str | None = None
    timeout: float = 15.0

    @classmethod
    def from_config(cls, section: dict) -> EmailSettings:
        """Build settings from the TOML ``[email]`` table, each key read through the settings
        table (``shoetrack.config.SETTINGS``), then the checks that join keys: a host, a sender
        (default: an address-like username), recipients, a CA file that exists. ``enabled`` is
        the outbox's business and ignored here. Raises ``ValueError`` naming the bad key."""
        if not isinstance(section, dict):
            raise ValueError("[email] must be a table")
        v = _typed(section)
        if not v["host"]:
            raise ValueError('email.host is not set, e.g. host = "smtp.example.org"')
        username = v["username"] or None
        sender = v["from"] or (username if username and "@" in username else "")
        if not sender:
            raise ValueError('email.from is not set, e.g. from = "shoetrack <me@example.org>"')
        if not v["to"]:
            raise ValueError('email.to is not set, e.g. to = ["me@example.org"]')
        cafile = os.path.expanduser(v["cafile"]) if v["cafile"] else None
        if cafile is not None and not os.path.isfile(cafile):
            raise ValueError(f"email.cafile {cafile!r} is not a file")
        return cls(
            host=v["host"],
            port=v["port"] or SMTP_PORTS[v["security"]],
            security=v["security"],
            username=username,
            sender=sender,
            recipients=v["to"],
            cafile=cafile,
            timeout=v["timeout"],
        )


def _typed(section: dict) -> dict:
    """Every ``[email]`` setting typed (defaults filled in); ValueError names a bad key."""

    known = {s.name: s for s in SETTINGS if s.section == "email"}
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise ValueError(
            f"email: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    out = {}
    for name, s in known.items():
        value = section.get(name, s.default)
        try:
            out[name] = None if value is None else s.kind.parse(value)
        except UsageProblem as e:
            raise ValueError(f"email.{name} {e}") from None
    return out


class EmailSender:
    """The outbox's email channel: SMTP with the ``[email]`` settings. Settings and password
    are read once, on the first message (the keyring can take a moment); the password is never
    logged or stored, and ``redact`` takes it out of any text."""

    def __init__(self, config) -> None:
        self.section = dict(getattr(config, "email", None) or {})
        self._settings: EmailSettings | None = None
        self._password: str | None = None

    def _prepare(self) -> EmailSettings:
        if self._settings is None:
            try:
                settings = EmailSettings.from_config(self.section)
            except ValueError as e:
                raise DeliveryError(f"email settings: {e}", channel="email") from None
            if settings.username:
                self._password = get_password(settings)
                if self._password is None:
                    raise DeliveryError(NO_PASSWORD, channel="email")
            self._settings = settings
        return self._settings

    def __call__(self, subject: str, body: str) -> str:
        s = self._prepare()
        message_id = send_email(s, subject, body, password=self._password)
        return f"sent to {', '.join(s.recipients)} via {_where(s)} (Message-ID {message_id})"

    def redact(self, text: str) -> str:
        return redact(text, os.environ.get(PASSWORD_ENV), self._password)


def _where(settings: EmailSettings) -> str:
    host = settings.host
    if ":" in host:  # an IPv6 literal reads ambiguously next to a port without brackets
        host = f"[{host}]"
    return f"{host}:{settings.port}"


def get_password(settings: EmailSettings) -> str | None:
    """Return the SMTP password, or None when none is available.

    ``SHOETRACK_SMTP_PASSWORD`` wins (services and CI have no keyring); otherwise the system keyring
    under service "shoetrack" and the username as key. A keyring that is missing or locked
    (``NoKeyringError`` on headless machines) counts as "no password", with the reason logged.
    """
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not settings.username:
        return None

    import keyring  # ~150 ms: only paid when the environment has no password
    import keyring.errors

    try:
        password = keyring.get_password(KEYRING_SERVICE, settings.username)
    except keyring.errors.KeyringError as exc:
        log.info("no SMTP password from the keyring: %s", one_line(exc) or type(exc).__name__)
        return None
    if password is None:
        log.info(
            "the keyring has no password for service %r and user %r",
            KEYRING_SERVICE,
            settings.username,
        )
    return password or None


def build_message(settings: EmailSettings, subject: str, body: str) -> EmailMessage:
    """Build a plain-text UTF-8 message with From, To, Subject, Date and Message-ID."""
    import email.utils
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg["Subject"] = one_line(subject)
    msg["Date"] = email.utils.formatdate(localtime=True)
    # make_msgid's default domain is socket.getfqdn(), a DNS lookup that can stall for seconds on a
    # laptop offline; the sender's own domain is what mail clients expect anyway.
    domain = email.utils.parseaddr(settings.sender)[1].rpartition("@")[2] or "shoetrack.invalid"
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    # 7bit when the body allows it (readable on the wire); otherwise quoted-printable rather than
    # the default 8bit, which a server without 8BITMIME may mangle.
    plain = body.isascii() and all(len(line) <= 78 for line in body.splitlines())
    msg.set_content(body, charset="utf-8", cte=None if plain else "quoted-printable")
    return msg


def send_email(
    settings: EmailSettings, subject: str, body: str, *, password: str | None = None
) -> str:
    """Send one email and return its Message-ID.

    Security: "starttls" (refuses to go on when the server does not offer STARTTLS), "ssl"
    (implicit TLS) or "none". AUTH is used only when ``settings.username`` is set; the password is
    ``password`` or else :func:`get_password`. Each network operation is bounded by
    ``settings.timeout`` seconds. Every failure raises :class:`DeliveryError` with a one-line
    reason that never contains the password. When the server accepts some recipients and refuses
    others, the message has gone out: the refusals are logged as a warning and no error is raised
    (raising would make the outbox send duplicates to the accepted recipients).
    """
    if settings.username and password is None:
        password = get_password(settings)
        if password is None:
            raise DeliveryError(NO_PASSWORD, channel="email")

    msg = build_message(settings, subject, body)
    try:
        _deliver(settings, msg, password)
    except DeliveryError as exc:
        raise DeliveryError(redact(str(exc), password), channel="email") from None
    return msg["Message-ID"]


class _Session:
    """The SMTP connection being used and the step it is at, for the error message."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.stage = "connect"


def _deliver(settings: EmailSettings, msg: EmailMessage, password: str | None) -> None:
    """Connect, secure, log in and send; every failure becomes one DeliveryError line."""
    context = _tls_context(settings)
    session = _Session()
    sent = False
    try:
        _open(settings, context, password, session)
        session.stage = "send"
        _send(session.smtp, settings, msg)
        sent = True
    except DeliveryError:
        raise
    except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
        raise DeliveryError(_failure(exc, settings, session.stage)) from None
    finally:
        if session.smtp is not None:
            _close(session.smtp, polite=sent)


def _tls_context(settings: EmailSettings):
    import ssl

    if settings.security not in ("starttls", "ssl"):
        return None
    try:
        return ssl.create_default_context(cafile=settings.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"cannot load CA file {settings.cafile}: {_os_reason(exc)}") from None


def _open(settings: EmailSettings, context, password: str | None, session: _Session) -> None:
    """Connect (implicit TLS for "ssl"), EHLO, STARTTLS when asked for, and AUTH."""
    import smtplib

    where = _where(settings)
    if settings.security == "ssl":
        session.smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        session.smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    smtp = session.smtp
    session.stage = "ehlo"
    smtp.ehlo()
    if settings.security == "starttls":
        if not smtp.has_extn("starttls"):
            raise DeliveryError(
                f"SMTP server {where} does not offer STARTTLS; refusing to send in clear text "
                '(set security = "ssl" or "none" if that is intended)'
            )
        session.stage = "starttls"
        smtp.starttls(context=context)
        smtp.ehlo()
    if settings.username:
        if not smtp.has_extn("auth"):
            raise DeliveryError(f"SMTP server {where} does not offer AUTH")
        session.stage = "login"
        try:
            smtp.login(settings.username, password or "")
        except UnicodeEncodeError:
            # smtplib encodes AUTH in ASCII; the exception text would quote the password.
            raise DeliveryError(
                f"SMTP login for {settings.username} impossible: "
                "the username or password has non-ASCII characters"
            ) from None


def _send(smtp, settings: EmailSettings, msg: EmailMessage) -> None:
    """Send with the bare addresses as envelope; recipients refused beside accepted ones are
    only logged (the message has gone out)."""
    import email.utils

    envelope_from = email.utils.parseaddr(settings.sender)[1]
    envelope_to = [email.utils.parseaddr(a)[1] for a in settings.recipients]
    refused = smtp.send_message(msg, from_addr=envelope_from, to_addrs=envelope_to)
    if refused:
        log.warning(
            "SMTP server %s refused some recipients: %s",
            _where(settings),
            ", ".join(f"{a} ({code})" for a, (code, _text) in refused.items()),
        )


def _failure(exc: OSError, settings: EmailSettings, stage: str) -> str:
    """The one-line reason for an SMTP, TLS or network error during `stage`."""
    import smtplib
    import socket
    import ssl

    where = _where(settings)
    too_slow = f"SMTP server {where} did not answer within {settings.timeout:g} s (during {stage})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP login refused for {settings.username} ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{a} ({code})" for a, (code, _t) in exc.recipients.items())
        return f"SMTP server {where} refused all recipients: {refused}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"SMTP server {where} refused sender {_text(exc.sender)} ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
        if isinstance(exc.__context__, TimeoutError):
            return too_slow
        return (
            f"SMTP server {where} closed the connection during {stage}: {exc or 'no reason given'}"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        # SMTPDataError, SMTPConnectError, SMTPHeloError and other replies with a code.
        return (
            f"SMTP server {where} answered {exc.smtp_code} during {stage}: {_text(exc.smtp_error)}"
        )
    if isinstance(exc, smtplib.SMTPException):
        return f"SMTP error with {where} during {stage}: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate of SMTP server {where} is not trusted: "
            f"{exc.verify_message or exc.reason}"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS error with SMTP server {where}: {exc.reason or exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"SMTP server {where} refused the connection"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return too_slow
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve SMTP host {settings.host}: {_os_reason(exc)}"
    return f"cannot talk to SMTP server {where}: {_os_reason(exc)}"


def _close(smtp, *, polite: bool) -> None:
    """Say QUIT after a success; after a failure just drop the socket, since a server that timed
    out or broke the protocol would only make QUIT wait another ``timeout``."""
    import smtplib

    if polite:
        try:
            smtp.quit()
            return
        except (smtplib.SMTPException, OSError) as exc:
            # The message is already accepted; a failed goodbye changes nothing.
            log.debug("SMTP QUIT failed after sending: %s", one_line(exc))
    smtp.close()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return one_line(value)


def _os_reason(exc: OSError) -> str:
    return one_line(exc.strerror or exc.args[-1] if exc.args else type(exc).__name__)
