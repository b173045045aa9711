"""Email delivery against real SMTP servers (aiosmtpd): STARTTLS, implicit TLS, plain, failures."""

from __future__ import annotations

import email.utils
import logging
import socket
import time

import pytest
from conftest_services import SMTP_PASSWORD, SMTP_USER

from shoetrack.notify import DeliveryError
from shoetrack.notify.email import (
    NO_PASSWORD,
    EmailSettings,
    build_message,
    get_password,
    send_email,
)

SUBJECT = "Pegasus 40 reached 300 mi"
BODY = "Your pair Pegasus 40 has 301.2 mi.\nTime to look for a replacement.\n"


def settings_for(server, **overrides) -> EmailSettings:
    values = {
        "host": server.host,
        "port": server.port,
        "security": server.mode,
        "username": SMTP_USER,
        "sender": f"shoetrack <{SMTP_USER}>",
        "recipients": ["runner@example.net"],
        "cafile": server.cafile,
        "timeout": 5.0,
    }
    values.update(overrides)
    return EmailSettings(**values)


@pytest.fixture(autouse=True)
def no_ambient_password(monkeypatch):
    # A developer's own SHOETRACK_SMTP_PASSWORD must not leak into (or rescue) a test.
    monkeypatch.delenv("SHOETRACK_SMTP_PASSWORD", raising=False)


# --- sending ------------------------------------------------------------------------------------


def test_starttls_sends_with_tls_and_auth(smtp_server):
    settings = settings_for(smtp_server)
    message_id = send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)

    (got,) = smtp_server.messages
    assert got.tls is True  # the server saw TLS when DATA arrived: STARTTLS was used
    assert got.auth_user == SMTP_USER
    assert got.mail_from == SMTP_USER
    assert got.rcpt_tos == ["runner@example.net"]
    msg = got.message
    assert msg["Subject"] == SUBJECT
    assert msg["From"] == f"shoetrack <{SMTP_USER}>"
    assert msg["To"] == "runner@example.net"
    assert msg["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@example.org>")
    sent_at = email.utils.parsedate_to_datetime(msg["Date"])
    assert sent_at.tzinfo is not None
    assert abs(sent_at.timestamp() - time.time()) < 60
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content() == BODY


def test_utf8_subject_and_body_arrive_intact(smtp_server):
    subject = "Chaussures « Pegasus » : 480 km — à remplacer"
    body = "Paire « Pegasus » : 480 km. Prévoir une nouvelle paire ✓\n" + "x" * 120 + "\n"
    send_email(settings_for(smtp_server), subject, body, password=SMTP_PASSWORD)
    (got,) = smtp_server.messages
    assert got.message["Subject"] == subject
    assert got.message.get_content() == body
    # quoted-printable keeps the wire 7-bit clean for servers without 8BITMIME
    assert got.message["Content-Transfer-Encoding"] == "quoted-printable"


def test_several_recipients(smtp_server):
    settings = settings_for(smtp_server, recipients=["a@example.net", "B <b@example.net>"])
    send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)
    (got,) = smtp_server.messages
    assert got.rcpt_tos == ["a@example.net", "b@example.net"]
    assert got.message["To"] == "a@example.net, B <b@example.net>"


def test_implicit_tls(smtp_server_ssl):
    message_id = send_email(settings_for(smtp_server_ssl), SUBJECT, BODY, password=SMTP_PASSWORD)
    (got,) = smtp_server_ssl.messages
    assert got.tls is True
    assert got.auth_user == SMTP_USER
    assert got.message["Message-ID"] == message_id
    assert got.message.get_content() == BODY


def test_plain_without_auth(smtp_server_plain):
    settings = settings_for(smtp_server_plain, username=None)
    message_id = send_email(settings, SUBJECT, BODY)
    (got,) = smtp_server_plain.messages
    assert got.tls is False
    assert got.auth_user is None
    assert got.message["Message-ID"] == message_id
    assert got.message["Subject"] == SUBJECT


def test_plain_with_auth(smtp_server_plain):
    send_email(settings_for(smtp_server_plain), SUBJECT, BODY, password=SMTP_PASSWORD)
    (got,) = smtp_server_plain.messages
    assert got.tls is False
    assert got.auth_user == SMTP_USER


def test_password_from_environment(smtp_server, monkeypatch):
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)
    send_email(settings_for(smtp_server), SUBJECT, BODY)
    assert [m.auth_user for m in smtp_server.messages] == [SMTP_USER]


def test_some_recipients_refused_still_sends_and_warns(smtp_server, caplog):
    settings = settings_for(smtp_server, recipients=["runner@example.net", "x@refused.invalid"])
    with caplog.at_level(logging.WARNING, logger="shoetrack.notify.email"):
        send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)
    (got,) = smtp_server.messages
    assert got.rcpt_tos == ["runner@example.net"]
    assert "x@refused.invalid (550)" in caplog.text


# --- failures ----------------------------------------------------------------------------------


def test_server_down(smtp_server):
    smtp_server.stop()
    t0 = time.monotonic()
    with pytest.raises(DeliveryError) as err:
        send_email(settings_for(smtp_server), SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value) == f"SMTP server 127.0.0.1:{smtp_server.port} refused the connection"
    assert time.monotonic() - t0 < 2


def test_wrong_password_is_refused_and_never_shown(smtp_server, caplog):
    wrong = "wrong-Pa55-PLUGH"
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as err:
        send_email(settings_for(smtp_server), SUBJECT, BODY, password=wrong)
    assert str(err.value) == f"SMTP login refused for {SMTP_USER} (535)"
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert wrong not in caplog.text
    assert smtp_server.messages == []


def test_no_password_available(smtp_server):
    # A password of None means "look it up"; the env is clear and the keyring has nothing.
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        with pytest.raises(DeliveryError) as err:
            send_email(settings_for(smtp_server), SUBJECT, BODY)
    finally:
        keyring.set_keyring(previous)
    assert str(err.value) == NO_PASSWORD
    assert (
        str(err.value) == "no SMTP password: set SHOETRACK_SMTP_PASSWORD or store it in the keyring"
    )


def test_no_keyring_backend_via_environment(smtp_server, tmp_path):
    """The headless-box case end to end: PYTHON_KEYRING_BACKEND picks keyring's "fail" backend
    (what keyring itself falls back to without a usable keyring), in a fresh interpreter so the
    keyring backend is chosen from the environment as in production."""
    import os
    import subprocess
    import sys

    script = (
        "from shoetrack.notify import DeliveryError\n"
        "from shoetrack.notify.email import EmailSettings, send_email\n"
        f"s = EmailSettings(host='127.0.0.1', port={smtp_server.port}, username='{SMTP_USER}',\n"
        f"    sender='{SMTP_USER}', recipients=['r@example.net'], cafile={smtp_server.cafile!r})\n"
        "try:\n"
        "    send_email(s, 'x', 'y')\n"
        "except DeliveryError as e:\n"
        "    print(e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SHOETRACK_SMTP_PASSWORD"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no keyringrc.cfg of the developer's
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == NO_PASSWORD
    assert smtp_server.messages == []


def test_password_from_keyring(smtp_server):
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        """A real keyring backend that keeps secrets in memory (no desktop keyring in CI)."""

        priority = 1

        def __init__(self):
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            del self.store[(service, username)]

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        keyring.set_password("shoetrack", SMTP_USER, SMTP_PASSWORD)
        settings = settings_for(smtp_server)
        assert get_password(settings) == SMTP_PASSWORD
        send_email(settings, SUBJECT, BODY)
    finally:
        keyring.set_keyring(previous)
    assert [m.auth_user for m in smtp_server.messages] == [SMTP_USER]


def test_environment_wins_over_keyring(monkeypatch):
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", "from-env")
    settings = EmailSettings(host="h", username="u", sender="u@x.org", recipients=["r@x.org"])
    assert get_password(settings) == "from-env"


def test_starttls_required_but_not_offered(smtp_server_plain):
    settings = settings_for(smtp_server_plain, security="starttls")
    with pytest.raises(DeliveryError) as err:
        send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value).startswith(
        f"SMTP server 127.0.0.1:{smtp_server_plain.port} does not offer STARTTLS; "
        "refusing to send in clear text"
    )
    assert smtp_server_plain.messages == []


def test_untrusted_certificate(smtp_server):
    # Without the test CA, the system store does not trust the server's certificate.
    with pytest.raises(DeliveryError) as err:
        send_email(settings_for(smtp_server, cafile=None), SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value).startswith(
        f"TLS certificate of SMTP server 127.0.0.1:{smtp_server.port} is not trusted: "
    )
    assert SMTP_PASSWORD not in str(err.value)


def test_implicit_tls_against_plain_server(smtp_server_plain, smtp_ca):
    settings = settings_for(smtp_server_plain, security="ssl", cafile=smtp_ca[2])
    with pytest.raises(DeliveryError) as err:
        send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value).startswith(
        f"TLS error with SMTP server 127.0.0.1:{smtp_server_plain.port}: "
    )


def test_all_recipients_refused(smtp_server):
    settings = settings_for(smtp_server, recipients=["x@refused.invalid"])
    with pytest.raises(DeliveryError) as err:
        send_email(settings, SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value) == (
        f"SMTP server 127.0.0.1:{smtp_server.port} refused all recipients: x@refused.invalid (550)"
    )


def test_silent_server_times_out():
    # A socket that is listening but never accepted: the TCP handshake succeeds, no greeting comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        settings = EmailSettings(
            host="127.0.0.1", port=port, sender="a@b.org", recipients=["c@d.org"], timeout=0.3
        )
        t0 = time.monotonic()
        with pytest.raises(DeliveryError) as err:
            send_email(settings, SUBJECT, BODY)
        elapsed = time.monotonic() - t0
    assert (
        str(err.value)
        == f"SMTP server 127.0.0.1:{port} did not answer within 0.3 s (during connect)"
    )
    assert elapsed < 2


def test_unknown_host():
    settings = EmailSettings(
        host="no-such-host.invalid", port=587, sender="a@b.org", recipients=["c@d.org"], timeout=2
    )
    with pytest.raises(DeliveryError) as err:
        send_email(settings, SUBJECT, BODY, password="pw")
    assert str(err.value).startswith("cannot resolve SMTP host no-such-host.invalid: ")


def test_non_ascii_password_is_not_echoed(smtp_server):
    password = "pässwörd-ÄÖÜ"
    with pytest.raises(DeliveryError) as err:
        send_email(settings_for(smtp_server), SUBJECT, BODY, password=password)
    assert "non-ASCII" in str(err.value)
    assert "ä" not in str(err.value) and "ö" not in str(err.value)


def test_missing_cafile_is_a_delivery_error(smtp_server, tmp_path):
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(DeliveryError) as err:
        send_email(settings_for(smtp_server, cafile=missing), SUBJECT, BODY, password=SMTP_PASSWORD)
    assert str(err.value) == f"cannot load CA file {missing}: No such file or directory"


# --- message and settings -----------------------------------------------------------------------


def test_build_message_headers():
    settings = EmailSettings(
        host="h", sender="shoetrack <me@example.org>", recipients=["a@x.org", "b@y.org"]
    )
    msg = build_message(settings, "Subject\nwith newline", "body\n")
    assert msg["From"] == "shoetrack <me@example.org>"
    assert msg["To"] == "a@x.org, b@y.org"
    assert msg["Subject"] == "Subject with newline"  # one line: no header injection
    assert msg["Message-ID"].endswith("@example.org>")
    assert email.utils.parsedate_to_datetime(msg["Date"]) is not None
    assert msg.get_content() == "body\n"


def test_from_config_full(tmp_path):
    cafile = tmp_path / "ca.pem"
    cafile.write_text("x")
    settings = EmailSettings.from_config(
        {
            "enabled": True,
            "host": "smtp.example.org",
            "port": 465,
            "security": "ssl",
            "username": "me@example.org",
            "from": "shoetrack <me@example.org>",
            "to": ["me@example.org", "you@example.org"],
            "cafile": str(cafile),
        }
    )
    assert settings == EmailSettings(
        host="smtp.example.org",
        port=465,
        security="ssl",
        username="me@example.org",
        sender="shoetrack <me@example.org>",
        recipients=["me@example.org", "you@example.org"],
        cafile=str(cafile),
        timeout=15.0,
    )


def test_from_config_defaults():
    settings = EmailSettings.from_config(
        {
            "host": "smtp.example.org",
            "username": "me@example.org",
            "to": "me@example.org",
            "cafile": "",
        }
    )
    assert settings.port == 587
    assert settings.security == "starttls"
    assert settings.sender == "me@example.org"  # from defaults to an address-like username
    assert settings.recipients == ["me@example.org"]
    assert settings.cafile is None
    ssl_settings = EmailSettings.from_config(
        {"host": "h", "security": "ssl", "from": "a@b.org", "to": "a@b.org"}
    )
    assert ssl_settings.port == 465
    assert ssl_settings.username is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"to": "a@b.org", "from": "a@b.org"},
            'email.host is not set, e.g. host = "smtp.example.org"',
        ),
        (
            {"host": "", "to": "a@b.org", "from": "a@b.org"},
            "email.host is not set",
        ),
        (
            {"host": "h", "port": "587", "to": "a@b.org", "from": "a@b.org"},
            "email.port must be a whole number from 1 to 65535, not '587'",
        ),
        (
            {"host": "h", "port": 0, "to": "a@b.org", "from": "a@b.org"},
            "email.port must be a whole number from 1 to 65535, not 0",
        ),
        (
            {"host": "h", "port": True, "to": "a@b.org", "from": "a@b.org"},
            "email.port must be a whole number from 1 to 65535, not True",
        ),
        (
            {"host": "h", "security": "tls", "to": "a@b.org", "from": "a@b.org"},
            "email.security must be one of starttls, ssl, none, not 'tls'",
        ),
        ({"host": "h", "to": "a@b.org"}, "email.from is not set"),
        (
            {"host": "h", "to": "a@b.org", "from": "nobody"},
            "email.from is not an email address: 'nobody'",
        ),
        ({"host": "h", "from": "a@b.org"}, "email.to is not set"),
        (
            {"host": "h", "from": "a@b.org", "to": []},
            "email.to is not set",
        ),
        (
            {"host": "h", "from": "a@b.org", "to": ["ok@b.org", 3]},
            "email.to must be a string, not 3",
        ),
        ({"host": "h", "from": "a@b.org", "to": "bad"}, "email.to is not an email address: 'bad'"),
        (
            {"host": "h", "from": "a@b.org", "to": "a@b.org\nBcc: x@y.org"},
            "email.to must not contain line breaks",
        ),
        (
            {"host": "h", "from": "a@b.org", "to": "a@b.org", "cafile": "/no/such.pem"},
            "email.cafile '/no/such.pem' is not a file",
        ),
        (
            {"host": "h", "from": "a@b.org", "to": "a@b.org", "password": "x"},
            "email: unknown setting(s) password",
        ),
        (
            {"host": "h", "from": "a@b.org", "to": "a@b.org", "timeout": 0},
            "email.timeout must be between 1s and 10m, not 0",
        ),
        (
            {"host": "h", "from": "a@b.org", "to": "a@b.org", "username": 5},
            "email.username must be a string, not 5",
        ),
    ],
)
def test_from_config_rejects(section, message):
    with pytest.raises(ValueError) as err:
        EmailSettings.from_config(section)
    assert str(err.value).startswith(message), str(err.value)
