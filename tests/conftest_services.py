"""Real services for the notification tests: SMTP servers (aiosmtpd), private D-Bus session buses,
a notification service written with jeepney, and real dunst on Xvfb.

Use with ``from conftest_services import *`` (in tests/conftest.py or a test module).

A missing library or program skips the tests that need it, except when ``CI=true``: there a
missing service is a failure, so CI can never pass by skipping everything.

Services start once per test module; the function-scoped fixtures in front of them reset their
state (received messages, a stopped server) so tests stay independent.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = [
    "HTTPEndpoint",
    "http_endpoint",
    "require",
    "free_port",
    "start_dbus_daemon",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "smtp_ca",
    "_smtp_server_module",
    "_smtp_server_ssl_module",
    "_smtp_server_plain_module",
    "smtp_server",
    "smtp_server_ssl",
    "smtp_server_plain",
    "dbus_session",
    "bare_dbus_session",
    "_notification_server_module",
    "notification_server",
    "dunst_session",
]

SMTP_USER = "me@example.org"
# Distinctive, so a test can search any error text for it.
SMTP_PASSWORD = "s3cret-Pa55-XYZZY"
SERVICE_TIMEOUT = 10.0  # seconds: upper bound for any service to come up


def require(ok: bool, what: str) -> None:
    """Skip when a service or library is missing; fail instead under CI=true."""
    if ok:
        return
    message = f"{what} is not available (run .ci/services.sh; pip install -e .[test])"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


def _import(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        require(False, f"Python package {name}")


def _program(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"program {name}")
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# SMTP


@dataclass
class Received:
    """One message as the SMTP server saw it."""

    message: email.message.EmailMessage
    mail_from: str
    rcpt_tos: list[str]
    tls: bool  # the connection was TLS when DATA arrived (STARTTLS or implicit)
    auth_user: str | None  # the login the server accepted, None without AUTH


class _Recorder:
    """aiosmtpd handler: stores every message; refuses recipients at refused.invalid."""

    def __init__(self, messages: list[Received]) -> None:
        self.messages = messages

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.invalid"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(
                # SMTP carries CRLF line ends; turn them back into "\n" as a mail store would,
                # so tests compare bodies with the text the app passed in.
                message=email.message_from_bytes(
                    envelope.original_content.replace(b"\r\n", b"\n"), policy=email.policy.default
                ),
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                tls=server.transport.get_extra_info("ssl_object") is not None,
                auth_user=session.auth_data,
            )
        )
        return "250 2.0.0 queued"


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, auth_data=SMTP_USER if ok else None, handled=False)


@dataclass
class SMTPServer:
    """A running aiosmtpd server. ``stop()`` takes it down (the port then refuses connections);
    ``start()`` brings a fresh one up on the same port."""

    host: str
    port: int
    cafile: str | None
    username: str = SMTP_USER
    password: str = SMTP_PASSWORD
    messages: list[Received] = field(default_factory=list)
    mode: str = "starttls"  # "starttls" | "ssl" | "none"
    _tls: ssl.SSLContext | None = None
    _controller: object = None

    def start(self) -> None:
        if self._controller is not None:
            return
        from aiosmtpd.controller import Controller

        kwargs: dict = {
            "hostname": self.host,
            "port": self.port,
            "authenticator": _authenticator,
            "ready_timeout": SERVICE_TIMEOUT,
        }
        if self.mode == "starttls":
            kwargs.update(
                tls_context=self._tls,
                require_starttls=True,
                auth_required=True,
                auth_require_tls=True,
            )
        elif self.mode == "ssl":
            # aiosmtpd hides AUTH on implicit TLS when auth_require_tls=True (upstream bug).
            kwargs.update(ssl_context=self._tls, auth_required=True, auth_require_tls=False)
        else:
            # Cleartext relay: AUTH offered (auth_require_tls=False) but optional.
            kwargs.update(auth_required=False, auth_require_tls=False)
        controller = Controller(_Recorder(self.messages), **kwargs)
        with warnings.catch_warnings():  # start() connects once to check readiness
            _quiet_auth_warning()
            controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None


@pytest.fixture(scope="session")
def smtp_ca(tmp_path_factory):
    """A trustme CA and a server context for localhost/127.0.0.1: (ca, server_ctx, cafile)."""
    trustme = _import("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    cafile = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return ca, server_ctx, str(cafile)


def _smtp(mode: str, smtp_ca):
    _import("aiosmtpd")
    _ca, server_ctx, cafile = smtp_ca if smtp_ca else (None, None, None)
    server = SMTPServer(
        host="127.0.0.1", port=free_port(), cafile=cafile, mode=mode, _tls=server_ctx
    )
    server.start()
    return server


def _quiet_auth_warning() -> None:
    warnings.filterwarnings(
        "ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning
    )


def _fresh(server: SMTPServer) -> SMTPServer:
    # aiosmtpd warns about AUTH without TLS for the implicit-TLS server, which is TLS from the
    # first byte (its check only knows STARTTLS), and for the deliberately cleartext one. The
    # warning comes per connection, during the test, so the filter goes in here (pytest restores
    # the filters after each test).
    _quiet_auth_warning()
    server.messages.clear()
    server.start()  # a previous test may have stopped it
    return server


@pytest.fixture(scope="module")
def _smtp_server_module(smtp_ca):
    server = _smtp("starttls", smtp_ca)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _smtp_server_ssl_module(smtp_ca):
    server = _smtp("ssl", smtp_ca)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def _smtp_server_plain_module():
    server = _smtp("none", None)
    yield server
    server.stop()


@pytest.fixture
def smtp_server(_smtp_server_module) -> SMTPServer:
    """STARTTLS required, AUTH required and only after TLS (submission-port behaviour)."""
    return _fresh(_smtp_server_module)


@pytest.fixture
def smtp_server_ssl(_smtp_server_ssl_module) -> SMTPServer:
    """Implicit TLS (port-465 behaviour), AUTH required."""
    return _fresh(_smtp_server_ssl_module)


@pytest.fixture
def smtp_server_plain(_smtp_server_plain_module) -> SMTPServer:
    """No TLS at all; AUTH offered in clear text but optional. ``cafile`` is None."""
    return _fresh(_smtp_server_plain_module)


# ---------------------------------------------------------------------------------------------
# D-Bus

# A session bus that owns nothing and activates nothing: no <servicedir>, so a test never starts
# the machine's real notification daemon by accident.
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass
class DBusDaemon:
    address: str
    process: subprocess.Popen
    socket_path: Path

    def stop(self) -> None:
        _terminate(self.process)


def _terminate(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_dbus_daemon(directory: Path) -> DBusDaemon:
    """Start a private session bus listening at ``directory/bus``.

    ``--nofork`` rather than ``--fork``: a forked daemon is not our child, so after SIGTERM it
    lingers as a zombie until PID 1 reaps it (1.6 s measured in this container) and its pid could
    be reused; as our child it is stopped and reaped at once.
    """
    program = _program("dbus-daemon")
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / "bus"
    config = directory / "session.conf"
    config.write_text(_BUS_CONFIG.format(socket=socket_path))
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [program, f"--config-file={config}", "--nofork", f"--print-address={write_fd}"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    # The address is printed once the bus accepts connections.
    with os.fdopen(read_fd) as fh:
        address = fh.readline().strip()
    if not address:
        _terminate(proc)
        raise RuntimeError(f"dbus-daemon exited with {proc.returncode} without an address")
    return DBusDaemon(address=address, process=proc, socket_path=socket_path)


@pytest.fixture(scope="module")
def dbus_session(tmp_path_factory):
    """A private session bus for the module; yields its address (``unix:path=...``)."""
    daemon = start_dbus_daemon(tmp_path_factory.mktemp("dbus"))
    yield daemon.address
    daemon.stop()


@pytest.fixture
def bare_dbus_session(tmp_path):
    """A private session bus on which nothing ever owns org.freedesktop.Notifications."""
    daemon = start_dbus_daemon(tmp_path / "bare-dbus")
    yield daemon.address
    daemon.stop()


_INTROSPECTION = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg direction="in" type="s" name="app_name"/>
      <arg direction="in" type="u" name="replaces_id"/>
      <arg direction="in" type="s" name="app_icon"/>
      <arg direction="in" type="s" name="summary"/>
      <arg direction="in" type="s" name="body"/>
      <arg direction="in" type="as" name="actions"/>
      <arg direction="in" type="a{sv}" name="hints"/>
      <arg direction="in" type="i" name="expire_timeout"/>
      <arg direction="out" type="u" name="id"/>
    </method>
    <method name="CloseNotification"><arg direction="in" type="u" name="id"/></method>
    <method name="GetCapabilities"><arg direction="out" type="as" name="capabilities"/></method>
    <method name="GetServerInformation">
      <arg direction="out" type="s" name="name"/>
      <arg direction="out" type="s" name="vendor"/>
      <arg direction="out" type="s" name="version"/>
      <arg direction="out" type="s" name="spec_version"/>
    </method>
    <signal name="NotificationClosed">
      <arg type="u" name="id"/><arg type="u" name="reason"/>
    </signal>
    <signal name="ActionInvoked">
      <arg type="u" name="id"/><arg type="s" name="action_key"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg direction="out" type="s" name="xml"/></method>
  </interface>
</node>
"""

_URGENCY_NAMES = {0: "low", 1: "normal", 2: "critical"}


@dataclass
class Notification:
    app_name: str
    summary: str
    body: str
    urgency: str | None  # "low" | "normal" | "critical", None when the hint was absent
    id: int
    hints: dict


class NotificationServer:
    """org.freedesktop.Notifications on a real bus, in a thread, written with jeepney.

    Knobs a test may set (reset before every test): ``capabilities``; ``hang`` (never reply to
    Notify/GetCapabilities, to test timeouts); ``fail_with`` = (error name, message) to answer
    Notify with a D-Bus error.
    """

    DEFAULT_CAPABILITIES = ("body", "persistence")

    def __init__(self, address: str) -> None:
        self.address = address
        self.received: list[Notification] = []
        self.capabilities = list(self.DEFAULT_CAPABILITIES)
        self.hang = False
        self.fail_with: tuple[str, str] | None = None
        self._next_id = 1
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="notification-server", daemon=True)

    def reset(self) -> None:
        self.received.clear()
        self.capabilities = list(self.DEFAULT_CAPABILITIES)
        self.hang = False
        self.fail_with = None

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(SERVICE_TIMEOUT) or self._error:
            raise RuntimeError(f"notification server did not start: {self._error!r}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(SERVICE_TIMEOUT)

    def _run(self) -> None:
        from jeepney import HeaderFields, MessageFlag, MessageType
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import Proxy, open_dbus_connection

        try:
            conn = open_dbus_connection(bus=self.address)
            bus = Proxy(message_bus, conn, timeout=SERVICE_TIMEOUT)
            # flags 4 = DO_NOT_QUEUE; reply 1 = PRIMARY_OWNER
            (result,) = bus.RequestName("org.freedesktop.Notifications", 4)
            if result != 1:
                raise RuntimeError(f"could not own org.freedesktop.Notifications ({result})")
        except BaseException as exc:  # handed to start(), which raises it in the test thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        with conn:
            while not self._stop.is_set():
                try:
                    msg = conn.receive(timeout=0.05)
                except TimeoutError:
                    continue
                if msg.header.message_type != MessageType.method_call:
                    continue
                reply = self._answer(msg, msg.header.fields.get(HeaderFields.member))
                no_reply = msg.header.flags & MessageFlag.no_reply_expected
                if reply is not None and not no_reply:
                    conn.send(reply)

    def _answer(self, msg, member):
        from jeepney import HeaderFields, new_error, new_method_return

        interface = msg.header.fields.get(HeaderFields.interface)
        if member == "Introspect":
            return new_method_return(msg, "s", (_INTROSPECTION,))
        if interface in (None, "org.freedesktop.Notifications"):
            if self.hang and member in ("Notify", "GetCapabilities"):
                return None
            if member == "GetCapabilities":
                return new_method_return(msg, "as", (list(self.capabilities),))
            if member == "GetServerInformation":
                return new_method_return(msg, "ssss", ("shoetrack-test", "shoetrack", "1.0", "1.2"))
            if member == "CloseNotification":
                return new_method_return(msg)
            if member == "Notify":
                if self.fail_with:
                    return new_error(msg, self.fail_with[0], "s", (self.fail_with[1],))
                app_name, _replaces, _icon, summary, body, _actions, hints, _expire = msg.body
                urgency = hints.get("urgency")
                nid = self._next_id
                self._next_id += 1
                self.received.append(
                    Notification(
                        app_name=app_name,
                        summary=summary,
                        body=body,
                        urgency=_URGENCY_NAMES.get(urgency[1]) if urgency else None,
                        id=nid,
                        hints=dict(hints),
                    )
                )
                return new_method_return(msg, "u", (nid,))
        return new_error(
            msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no method {member}",)
        )


@pytest.fixture(scope="module")
def _notification_server_module(dbus_session):
    _import("jeepney")
    server = NotificationServer(dbus_session)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def notification_server(_notification_server_module) -> NotificationServer:
    """A NotificationServer owning org.freedesktop.Notifications on ``dbus_session``; its
    ``address`` is that bus, ``received`` the notifications (cleared before each test)."""
    _notification_server_module.reset()
    return _notification_server_module


# ---------------------------------------------------------------------------------------------
# dunst on Xvfb


@dataclass
class DunstSession:
    address: str  # the private session bus dunst is on
    display: str
    env: dict

    def history(self) -> list[dict]:
        """Every notification dunst has received, newest first, as plain dicts
        (``summary``, ``body``, ``appname``, ``id``, ``urgency``...), read with ``dunstctl``."""
        # dunst's history holds closed notifications only: close the displayed ones first.
        subprocess.run(["dunstctl", "close-all"], env=self.env, check=True, timeout=SERVICE_TIMEOUT)
        out = subprocess.run(
            ["dunstctl", "history"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=SERVICE_TIMEOUT,
        ).stdout
        (entries,) = json.loads(out)["data"]
        return [{k: v["data"] for k, v in entry.items()} for entry in entries]


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    program = _program("Xvfb")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [program, "-displayfd", str(write_fd), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    # Xvfb writes the display number it picked once it accepts clients.
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        _terminate(proc)
        raise RuntimeError("Xvfb did not report a display")
    return proc, f":{number}"


def _wait_for_name(address: str, name: str, proc: subprocess.Popen) -> None:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import Proxy, open_dbus_connection

    deadline = time.monotonic() + SERVICE_TIMEOUT
    with open_dbus_connection(bus=address) as conn:
        bus = Proxy(message_bus, conn, timeout=SERVICE_TIMEOUT)
        while time.monotonic() < deadline:
            if bus.NameHasOwner(name)[0]:
                return
            if proc.poll() is not None:
                raise RuntimeError(f"dunst exited with {proc.returncode} before owning {name}")
            time.sleep(0.02)
    raise RuntimeError(f"nothing owned {name} within {SERVICE_TIMEOUT} s")


@pytest.fixture(scope="module")
def dunst_session(tmp_path_factory):
    """Xvfb + a private bus + real dunst; yields a DunstSession (``address``, ``history()``)."""
    _import("jeepney")
    for name in ("dunst", "dunstctl", "busctl", "dbus-send"):
        _program(name)  # dunstctl history uses busctl (systemd), the rest dbus-send
    directory = tmp_path_factory.mktemp("dunst")
    xvfb, display = _start_xvfb()
    daemon = start_dbus_daemon(directory / "dbus")
    config_home = directory / "config"
    (config_home / "dunst").mkdir(parents=True)
    # Our own dunstrc so a user's config cannot change what the test sees (hidden notifications,
    # rules rewriting bodies); long timeout so nothing expires while a test runs.
    (config_home / "dunst" / "dunstrc").write_text(
        "[global]\n    history_length = 100\n    markup = full\n[urgency_normal]\n    timeout = 0\n"
    )
    env = {
        **os.environ,
        "DISPLAY": display,
        "DBUS_SESSION_BUS_ADDRESS": daemon.address,
        "XDG_CONFIG_HOME": str(config_home),
        "HOME": str(directory),
    }
    with open(directory / "dunst.log", "w") as dunst_log:  # the child keeps its own copy
        dunst = subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=dunst_log)
    try:
        _wait_for_name(daemon.address, "org.freedesktop.Notifications", dunst)
        yield DunstSession(address=daemon.address, display=display, env=env)
    finally:
        _terminate(dunst)
        _terminate(xvfb)
        daemon.stop()


# --- a real HTTP endpoint on loopback (push notifications through apprise) -------------------


class HTTPEndpoint:
    """A plain http.server on 127.0.0.1 in a thread that records every POST (path, headers,
    body). stop() closes the port (a server that is down); start() opens the same port again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[dict] = []
        self._server = None
        self._thread = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self) -> None:
        import http.server
        import threading

        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                endpoint.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):  # keep the test output clean
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self._server = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def json_bodies(self) -> list:
        import json

        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def http_endpoint():
    server = HTTPEndpoint()
    server.start()
    yield server
    server.stop()
