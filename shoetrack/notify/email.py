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

from shoetrack.notify import DeliveryError, one_line, redact

if TYPE_CHECKING:
    from email.message import EmailMessage

log = logging.getLogger(__name__)

__all__ = [
    "EmailSettings",
    "PASSWORD_ENV",
    "KEYRING_SERVICE",
    "get_password",
    "build_message",
    "send_email",
]

PASSWORD_ENV = "SHOETRACK_SMTP_PASSWORD"
KEYRING_SERVICE = "shoetrack"
SECURITY_MODES = ("starttls", "ssl", "none")
# The submission ports each mode normally uses, so `port` may be left out of the config.
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
NO_PASSWORD = f"no SMTP password: set {PASSWORD_ENV} or store it in the keyring"

# Keys of the [email] table; "enabled" belongs to the caller (the outbox decides whether to send).
_CONFIG_KEYS = {
    "enabled",
    "host",
    "port",
    "security",
    "username",
    "from",
    "to",
    "cafile",
    "timeout",
}


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
        """Build settings from the TOML ``[email]`` table.

        Keys: host, port, security, username, from, to (a string or a list), cafile, timeout
        (seconds); ``enabled`` is accepted and ignored. Raises ``ValueError`` naming the bad key.
        """
        if not isinstance(section, dict):
            raise ValueError("[email] must be a table")
        unknown = sorted(set(section) - _CONFIG_KEYS)
        if unknown:
            raise ValueError(
                f"[email] has unknown key(s): {', '.join(unknown)} "
                f"(expected: {', '.join(sorted(_CONFIG_KEYS))})"
            )

        host = section.get("host")
        if not isinstance(host, str) or not host.strip():
            raise ValueError(
                '[email] host must be a non-empty string, e.g. host = "smtp.example.org"'
            )
        _no_newlines("host", host)

        security = section.get("security", "starttls")
        if security not in SECURITY_MODES:
            raise ValueError(
                f"[email] security must be one of {', '.join(map(repr, SECURITY_MODES))}, "
                f"not {security!r}"
            )

        port = section.get("port", DEFAULT_PORTS[security])
        # bool is an int in Python; `port = true` is a typo, not port 1.
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"[email] port must be an integer from 1 to 65535, not {port!r}")

        username = section.get("username")
        if username is not None and not isinstance(username, str):
            raise ValueError(f"[email] username must be a string, not {username!r}")
        username = username.strip() if username else None
        if username:
            _no_newlines("username", username)

        sender = section.get("from")
        if sender is None and username and "@" in username:
            sender = username
        if not isinstance(sender, str) or not sender.strip():
            raise ValueError(
                '[email] from must be an address, e.g. from = "shoetrack <me@example.org>"'
            )
        sender = sender.strip()
        _check_address("from", sender)

        to = section.get("to")
        if isinstance(to, str):
            to = [to]
        if (
            not isinstance(to, list)
            or not to
            or not all(isinstance(a, str) and a.strip() for a in to)
        ):
            raise ValueError(
                "[email] to must be an address or a non-empty list of addresses, "
                'e.g. to = ["me@example.org"]'
            )
        recipients = [a.strip() for a in to]
        for address in recipients:
            _check_address("to", address)

        cafile = section.get("cafile") or None  # the sample config writes cafile = "" for "none"
        if cafile is not None:
            if not isinstance(cafile, str):
                raise ValueError(f"[email] cafile must be a path, not {cafile!r}")
            cafile = os.path.expanduser(cafile)
            if not os.path.isfile(cafile):
                raise ValueError(f"[email] cafile {cafile!r} is not a file")

        timeout = section.get("timeout", 15.0)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(
                f"[email] timeout must be a positive number of seconds, not {timeout!r}"
            )

        return cls(
            host=host.strip(),
            port=port,
            security=security,
            username=username,
            sender=sender,
            recipients=recipients,
            cafile=cafile,
            timeout=float(timeout),
        )


def _no_newlines(key: str, value: str) -> None:
    # A CR or LF in a header or SMTP argument would let a config value inject headers or commands.
    if "\r" in value or "\n" in value:
        raise ValueError(f"[email] {key} must not contain line breaks")


def _check_address(key: str, value: str) -> None:
    import email.utils  # with email.message, ~40 ms: kept off the import of this module

    _no_newlines(key, value)
    _name, addr = email.utils.parseaddr(value)
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"[email] {key} has an invalid address: {value!r}")


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


def _deliver(settings: EmailSettings, msg: EmailMessage, password: str | None) -> None:
    import email.utils
    import smtplib
    import socket
    import ssl

    where = _where(settings)
    context = None
    if settings.security in ("starttls", "ssl"):
        try:
            context = ssl.create_default_context(cafile=settings.cafile)
        except (OSError, ssl.SSLError) as exc:
            raise DeliveryError(
                f"cannot load CA file {settings.cafile}: {_os_reason(exc)}"
            ) from None

    smtp = None
    stage = "connect"
    sent = False
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        stage = "ehlo"
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"SMTP server {where} does not offer STARTTLS; refusing to send in clear text "
                    '(set security = "ssl" or "none" if that is intended)'
                )
            stage = "starttls"
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            if not smtp.has_extn("auth"):
                raise DeliveryError(f"SMTP server {where} does not offer AUTH")
            stage = "login"
            try:
                smtp.login(settings.username, password or "")
            except UnicodeEncodeError:
                # smtplib encodes AUTH in ASCII; the exception text would quote the password.
                raise DeliveryError(
                    f"SMTP login for {settings.username} impossible: "
                    "the username or password has non-ASCII characters"
                ) from None
        stage = "send"
        envelope_from = email.utils.parseaddr(settings.sender)[1]
        envelope_to = [email.utils.parseaddr(a)[1] for a in settings.recipients]
        refused = smtp.send_message(msg, from_addr=envelope_from, to_addrs=envelope_to)
        sent = True
        if refused:
            log.warning(
                "SMTP server %s refused some recipients: %s",
                where,
                ", ".join(f"{a} ({code})" for a, (code, _text) in refused.items()),
            )
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"SMTP login refused for {settings.username} ({exc.smtp_code})"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{a} ({code})" for a, (code, _t) in exc.recipients.items())
        raise DeliveryError(f"SMTP server {where} refused all recipients: {refused}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(
            f"SMTP server {where} refused sender {_text(exc.sender)} ({exc.smtp_code})"
        ) from None
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
        if isinstance(exc.__context__, TimeoutError):
            raise DeliveryError(
                f"SMTP server {where} did not answer within {settings.timeout:g} s (during {stage})"
            ) from None
        raise DeliveryError(
            f"SMTP server {where} closed the connection during {stage}: {exc or 'no reason given'}"
        ) from None
    except smtplib.SMTPResponseException as exc:
        # SMTPDataError, SMTPConnectError, SMTPHeloError and other replies with a code.
        raise DeliveryError(
            f"SMTP server {where} answered {exc.smtp_code} during {stage}: {_text(exc.smtp_error)}"
        ) from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP error with {where} during {stage}: {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"TLS certificate of SMTP server {where} is not trusted: "
            f"{exc.verify_message or exc.reason}"
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(
            f"TLS error with SMTP server {where}: {exc.reason or exc.strerror or exc}"
        ) from None
    except ConnectionRefusedError:
        raise DeliveryError(f"SMTP server {where} refused the connection") from None
    except (TimeoutError, socket.timeout):
        raise DeliveryError(
            f"SMTP server {where} did not answer within {settings.timeout:g} s (during {stage})"
        ) from None
    except socket.gaierror as exc:
        raise DeliveryError(
            f"cannot resolve SMTP host {settings.host}: {_os_reason(exc)}"
        ) from None
    except OSError as exc:
        raise DeliveryError(f"cannot talk to SMTP server {where}: {_os_reason(exc)}") from None
    finally:
        if smtp is not None:
            _close(smtp, polite=sent)


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
