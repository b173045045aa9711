"""Desktop notifications over real private D-Bus session buses: our jeepney notification service for
exact fields, real dunst on Xvfb, and every way the bus can be missing, dead or hung."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from shoetrack.notify import DeliveryError
from shoetrack.notify.desktop import NO_SERVICE, NO_SESSION_BUS, send_desktop

TITLE = "Pegasus 40: time for new shoes"
BODY = "501 mi on this pair (replace at 500 mi)."


# --- a real bus with our notification service ---------------------------------------------------


def test_notification_reaches_the_service(notification_server):
    nid = send_desktop(TITLE, BODY, bus_address=notification_server.address)
    (got,) = notification_server.received
    assert (got.app_name, got.summary, got.body, got.urgency) == (
        "shoetrack",
        TITLE,
        BODY,
        "normal",
    )
    assert nid == got.id


def test_ids_app_name_and_urgency(notification_server):
    first = send_desktop("a", "b", bus_address=notification_server.address, urgency="critical")
    second = send_desktop(
        "c", "d", bus_address=notification_server.address, app_name="other", urgency="low"
    )
    assert second == first + 1
    assert [
        (n.app_name, n.summary, n.body, n.urgency, n.id) for n in notification_server.received
    ] == [
        ("shoetrack", "a", "b", "critical", first),
        ("other", "c", "d", "low", second),
    ]


def test_address_from_environment(notification_server, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    nid = send_desktop(TITLE, BODY)
    assert [(n.summary, n.id) for n in notification_server.received] == [(TITLE, nid)]


def test_body_escaped_only_for_markup_servers(notification_server):
    text = "<3 & 10% > 9%"
    send_desktop("t", text, bus_address=notification_server.address)
    notification_server.capabilities = ["body", "body-markup"]
    send_desktop("t", text, bus_address=notification_server.address)
    assert [n.body for n in notification_server.received] == [text, "&lt;3 &amp; 10% &gt; 9%"]


def test_text_dbus_would_reject_is_cleaned(notification_server):
    # A NUL or a lone surrogate would make dbus-daemon drop the connection.
    send_desktop("a\0b", "bad \udcff name", bus_address=notification_server.address)
    (got,) = notification_server.received
    assert (got.summary, got.body) == ("ab", "bad ? name")


def test_service_error_reply(notification_server):
    notification_server.fail_with = ("org.freedesktop.Notifications.Error.Full", "too many")
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address=notification_server.address)
    assert str(err.value) == (
        "the notification service refused the notification: "
        "org.freedesktop.Notifications.Error.Full: too many"
    )


def test_hung_service_times_out(notification_server):
    notification_server.hang = True
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address=notification_server.address, timeout_s=0.3)
    assert str(err.value) == "the notification service did not answer within 0.3 s"
    assert time.monotonic() - t0 < 1.5


# --- no bus, dead bus, empty bus, hung bus ------------------------------------------------------


def test_no_session_bus(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY)
    assert str(err.value) == NO_SESSION_BUS
    assert str(err.value) == "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    assert err.value.channel == "desktop"
    assert time.monotonic() - t0 < 1


def test_dead_socket(tmp_path, monkeypatch):
    # What a crashed session bus leaves behind: the socket file, with nobody listening.
    path = tmp_path / "bus"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY)
    assert str(err.value) == (
        f"cannot connect to the D-Bus session bus at unix:path={path}: Connection refused"
    )
    assert time.monotonic() - t0 < 1


def test_missing_socket(tmp_path):
    address = f"unix:path={tmp_path}/gone"
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address=address)
    assert str(err.value) == (
        f"cannot connect to the D-Bus session bus at {address}: No such file or directory"
    )


def test_unsupported_address():
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address="tcp:host=127.0.0.1,port=1")
    assert str(err.value).startswith(
        "unusable D-Bus session bus address 'tcp:host=127.0.0.1,port=1': "
    )


def test_bus_without_notification_service(bare_dbus_session):
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address=bare_dbus_session)
    assert str(err.value) == NO_SERVICE == "no notification service on the session bus"
    assert time.monotonic() - t0 < 1


@pytest.fixture
def silent_bus(tmp_path):
    """A unix socket that accepts connections; ``auth=True`` makes it complete D-Bus
    authentication and then say nothing (a hung bus daemon); otherwise it says nothing at all."""
    path = tmp_path / "silent"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(4)
    stop = threading.Event()
    conns: list[socket.socket] = []
    state = {"auth": False}

    def serve():
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conns.append(conn)
            if state["auth"]:
                data = b""
                while b"BEGIN\r\n" not in data:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                    if b"AUTH" in chunk:
                        conn.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"unix:path={path}", state
    stop.set()
    thread.join(5)
    for conn in conns:
        conn.close()
    listener.close()


@pytest.mark.parametrize("authenticates", [False, True], ids=["silent", "no-hello"])
def test_hung_bus_times_out(silent_bus, authenticates):
    address, state = silent_bus
    state["auth"] = authenticates
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_desktop(TITLE, BODY, bus_address=address, timeout_s=0.3)
    assert str(err.value) == "the D-Bus session bus did not answer within 0.3 s"
    assert time.monotonic() - t0 < 1.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"urgency": "urgent"}, "urgency must be one of low, normal, critical, not 'urgent'"),
        ({"timeout_s": 0}, "timeout_s must be a positive number of seconds, not 0"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError) as err:
        send_desktop(TITLE, BODY, **kwargs)
    assert str(err.value) == message


# --- real dunst ---------------------------------------------------------------------------------


def test_real_dunst(dunst_session):
    nid = send_desktop(TITLE, BODY, bus_address=dunst_session.address)
    mine = [n for n in dunst_session.history() if n["id"] == nid]
    assert [(n["summary"], n["body"], n["appname"]) for n in mine] == [(TITLE, BODY, "shoetrack")]


# --- the desktop-notifier path (macOS/Windows), exercised through its Linux backend --------------


@pytest.fixture
def desktop_notifier_path():
    pytest.importorskip(
        "desktop_notifier", reason="desktop-notifier is only a macOS/Windows dependency"
    )
    from shoetrack.notify.desktop import _send_desktop_notifier

    return _send_desktop_notifier


def test_desktop_notifier_success(desktop_notifier_path, notification_server, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    assert desktop_notifier_path(TITLE, BODY, "shoetrack", "critical", 5.0) == 0
    (got,) = notification_server.received
    assert (got.app_name, got.summary, got.body, got.urgency) == (
        "shoetrack",
        TITLE,
        BODY,
        "critical",
    )


def test_desktop_notifier_failure_is_detected(
    desktop_notifier_path, bare_dbus_session, monkeypatch
):
    # desktop-notifier only logs this failure; it must still come out as a DeliveryError.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bare_dbus_session)
    with pytest.raises(DeliveryError) as err:
        desktop_notifier_path(TITLE, BODY, "shoetrack", "normal", 5.0)
    assert str(err.value).startswith("desktop notification failed: ")
    assert "org.freedesktop.Notifications" in str(err.value)
