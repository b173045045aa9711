"""Desktop notifications.

Linux (and other D-Bus desktops): the freedesktop Notifications service on the D-Bus session bus,
spoken with jeepney over blocking I/O; every step is bounded by one deadline, so a missing, dead or
hung bus gives a :class:`DeliveryError` within ``timeout_s`` seconds instead of a hang.
macOS and Windows: the desktop-notifier library, whose failures are only logged; here they are
detected and raised.

Only this module imports jeepney or desktop_notifier, and only inside the functions.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

from shoetrack.notify.base import DeliveryError, one_line

log = logging.getLogger(__name__)

__all__ = ["send_desktop", "URGENCIES", "DesktopSender"]

# freedesktop urgency hint values (a byte): 0 low, 1 normal, 2 critical.
URGENCIES = {"low": 0, "normal": 1, "critical": 2}

NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NO_SESSION_BUS = "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
NO_SERVICE = "no notification service on the session bus"

# D-Bus errors that mean "nobody owns org.freedesktop.Notifications and none could be activated".
_NO_SERVICE_ERRORS = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}


def send_desktop(
    title: str,
    body: str,
    *,
    app_name: str = "shoetrack",
    urgency: str = "normal",
    timeout_s: float = 5.0,
    bus_address: str | None = None,
) -> int:
    """Show a desktop notification and return its id.

    ``timeout_s`` (seconds) bounds the whole exchange: connecting, authenticating and the calls.
    ``bus_address`` overrides ``DBUS_SESSION_BUS_ADDRESS`` (Linux only). ``urgency`` is "low",
    "normal" or "critical". The id is the one the notification server assigned (Linux); on macOS
    and Windows, whose notifications are identified by a UUID string, it is 0.
    Raises :class:`DeliveryError` with a one-line reason when the notification was not shown.
    """
    if urgency not in URGENCIES:
        raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}, not {urgency!r}")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be a positive number of seconds, not {timeout_s!r}")
    if sys.platform in ("darwin", "win32"):
        return _send_desktop_notifier(title, body, app_name, urgency, timeout_s)
    return _send_dbus(title, body, app_name, urgency, timeout_s, bus_address)


def _clean(text: str) -> str:
    # dbus-daemon disconnects a client that sends a string with NUL or invalid UTF-8 (a lone
    # surrogate from a badly decoded file name): drop NULs, replace what cannot be encoded.
    return text.replace("\0", "").encode("utf-8", "replace").decode("utf-8")


class _Deadline:
    """One deadline for a whole D-Bus exchange (seconds on the monotonic clock)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.at = time.monotonic() + timeout_s
        self.too_slow = f"the D-Bus session bus did not answer within {timeout_s:g} s"

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())


def _send_dbus(
    title: str,
    body: str,
    app_name: str,
    urgency: str,
    timeout_s: float,
    bus_address: str | None,
) -> int:
    deadline = _Deadline(timeout_s)
    address = bus_address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        raise DeliveryError(NO_SESSION_BUS, channel="desktop")
    sock = _bus_socket(address, deadline)
    conn, expired = _hello(sock, address, deadline)
    try:
        notification_id = _notify(conn, expired, deadline, app_name, title, body, urgency)
    finally:
        conn.close()
    log.debug("desktop notification %d sent: %s", notification_id, title)
    return int(notification_id)


def _bus_socket(address: str, deadline: _Deadline):
    """A connected, authenticated socket to the bus at `address`."""
    from jeepney import AuthenticationError
    from jeepney.bus import get_bus
    from jeepney.io.blocking import prep_socket

    try:
        socket_address = get_bus(address)
    except (RuntimeError, ValueError, KeyError, StopIteration) as exc:
        # jeepney speaks unix sockets only; a tcp: address or a garbled one ends up here.
        raise DeliveryError(
            f"unusable D-Bus session bus address {address!r}: {one_line(exc)}", channel="desktop"
        ) from None
    # prep_socket bounds connect + authentication by its timeout.
    try:
        return prep_socket(socket_address, timeout=deadline.remaining())
    except TimeoutError:
        raise DeliveryError(deadline.too_slow, channel="desktop") from None
    except AuthenticationError as exc:
        raise DeliveryError(
            f"the D-Bus session bus at {address} refused authentication: {one_line(exc)}",
            channel="desktop",
        ) from None
    except OSError as exc:
        raise DeliveryError(
            f"cannot connect to the D-Bus session bus at {address}: "
            f"{exc.strerror or one_line(exc)}",
            channel="desktop",
        ) from None


def _hello(sock, address: str, deadline: _Deadline):
    """The jeepney connection (it says Hello to the bus) and the event set if the deadline
    passed. jeepney's Hello has no timeout; a watchdog shuts the socket down at the deadline,
    which wakes the blocked read with an error."""
    from jeepney.io.blocking import DBusConnection
    from jeepney.wrappers import DBusErrorResponse

    expired = threading.Event()

    def on_deadline() -> None:
        expired.set()
        try:
            sock.shutdown(2)  # socket.SHUT_RDWR
        except OSError:
            pass  # already closed: the read it would wake has already returned

    watchdog = threading.Timer(deadline.remaining(), on_deadline)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn = DBusConnection(sock)
    except (OSError, DBusErrorResponse, ValueError) as exc:
        sock.close()
        if expired.is_set():
            raise DeliveryError(deadline.too_slow, channel="desktop") from None
        raise DeliveryError(
            f"the D-Bus session bus at {address} dropped the connection: "
            f"{one_line(exc) or type(exc).__name__}",
            channel="desktop",
        ) from None
    finally:
        watchdog.cancel()
    if expired.is_set():  # fired just after Hello returned: the socket is unusable anyway
        conn.close()
        raise DeliveryError(deadline.too_slow, channel="desktop")
    return conn, expired


def _notify(
    conn, expired, deadline: _Deadline, app_name: str, title: str, body: str, urgency: str
) -> int:
    """Ask the notification service to show it; returns the id it assigned."""
    import html

    from jeepney import DBusAddress, new_method_call
    from jeepney.wrappers import DBusErrorResponse, unwrap_msg

    service = DBusAddress(
        NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS_NAME, interface=NOTIFICATIONS_NAME
    )

    def call(method: str, signature: str | None = None, args: tuple = ()) -> tuple:
        reply = conn.send_and_get_reply(
            new_method_call(service, method, signature, args), timeout=deadline.remaining()
        )
        return unwrap_msg(reply)

    try:
        # Body markup is optional in the spec: escape only when the server will parse it, so that
        # "<3 & co" shows as written everywhere.
        (capabilities,) = call("GetCapabilities")
        text = _clean(body)
        if "body-markup" in capabilities:
            text = html.escape(text, quote=False)
        hints = {"urgency": ("y", URGENCIES[urgency])}
        # replaces_id 0: always a new notification; no icon, no actions; expire_timeout -1:
        # the server's default.
        (notification_id,) = call(
            "Notify", "susssasa{sv}i", (_clean(app_name), 0, "", _clean(title), text, [], hints, -1)
        )
    except TimeoutError:
        raise DeliveryError(
            f"the notification service did not answer within {deadline.timeout_s:g} s",
            channel="desktop",
        ) from None
    except DBusErrorResponse as exc:
        raise DeliveryError(_error_reason(exc), channel="desktop") from None
    except OSError as exc:
        reason = (
            deadline.too_slow
            if expired.is_set()
            else (
                f"the D-Bus session bus dropped the connection: {one_line(exc) or type(exc).__name__}"
            )
        )
        raise DeliveryError(reason, channel="desktop") from None
    return int(notification_id)


class DesktopSender:
    """The outbox's desktop channel (`desktop.timeout` from the settings table)."""

    def __init__(self, config) -> None:
        self.timeout_s = config.get("desktop.timeout")

    def __call__(self, subject: str, body: str) -> str:
        nid = send_desktop(subject, body, timeout_s=self.timeout_s)
        return f"notification #{nid} shown"

    def redact(self, text: str) -> str:
        return text  # nothing secret


def _error_reason(exc) -> str:
    detail = one_line(exc.data[0]) if exc.data and isinstance(exc.data[0], str) else ""
    if exc.name in _NO_SERVICE_ERRORS:
        return NO_SERVICE
    if exc.name and exc.name.startswith("org.freedesktop.DBus.Error.Spawn"):
        return f"the notification service could not be started: {detail or exc.name}"
    if exc.name in ("org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout"):
        return f"the notification service did not reply: {detail or exc.name}"
    return f"the notification service refused the notification: {exc.name}" + (
        f": {detail}" if detail else ""
    )


class _FailureLog(logging.Handler):
    """Collects desktop-notifier's "Notification failed" records, its only failure signal."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        self.reasons.append(
            one_line(f"{type(exc).__name__}: {exc}") if exc is not None else record.getMessage()
        )


def _desktop_notifier():
    """desktop-notifier's (DesktopNotifier, Urgency), or a DeliveryError when it is missing or
    has no real backend here."""
    try:
        from desktop_notifier import DesktopNotifier, Urgency
        from desktop_notifier.backends.dummy import DummyNotificationCenter
        from desktop_notifier.main import get_backend_class
    except ImportError:
        raise DeliveryError(
            "desktop notifications need the desktop-notifier package "
            "(pip install desktop-notifier)",
            channel="desktop",
        ) from None
    # On macOS, outside an app bundle, desktop-notifier silently falls back to a backend that
    # does nothing; that must not count as delivered.
    if issubclass(get_backend_class(), DummyNotificationCenter):
        raise DeliveryError(
            "no desktop notification service usable here "
            "(on macOS, Notification Center only accepts programs run from an app bundle)",
            channel="desktop",
        )
    return DesktopNotifier, Urgency


def _send_desktop_notifier(
    title: str, body: str, app_name: str, urgency: str, timeout_s: float
) -> int:
    """Send through desktop-notifier (macOS, Windows). Blocking; bounded by ``timeout_s`` seconds.

    desktop-notifier never raises when sending fails: it logs a warning and still returns an id.
    Success is therefore the ``on_dispatched`` callback, which it calls only after the platform
    accepted the notification; the logged warning supplies the reason.
    """
    import asyncio

    DesktopNotifier, Urgency = _desktop_notifier()
    dispatched = threading.Event()
    failures = _FailureLog()
    notifier_log = logging.getLogger("desktop_notifier.backends.base")
    notifier_log.addHandler(failures)

    async def send() -> str:
        notifier = DesktopNotifier(app_name=app_name)
        if not await notifier.request_authorisation():
            raise DeliveryError(
                f"desktop notifications are not allowed for {app_name} "
                "(check the system notification settings)",
                channel="desktop",
            )
        return await notifier.send(
            title=_clean(title),
            message=_clean(body),
            urgency=Urgency(urgency),
            on_dispatched=dispatched.set,
        )

    try:
        identifier = asyncio.run(asyncio.wait_for(send(), timeout_s))
    except (TimeoutError, asyncio.TimeoutError):
        raise DeliveryError(
            f"the notification service did not answer within {timeout_s:g} s", channel="desktop"
        ) from None
    finally:
        notifier_log.removeHandler(failures)

    if not dispatched.is_set():
        reason = failures.reasons[0] if failures.reasons else "desktop-notifier gave no reason"
        raise DeliveryError(f"desktop notification failed: {reason}", channel="desktop")
    log.debug("desktop notification %s sent: %s", identifier, title)
    return 0
