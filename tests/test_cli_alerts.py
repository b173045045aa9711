"""`shoetrack alerts`, `alerts check|list|snooze` and `notify test` through the CLI.

Time: runs are logged on past dates; SHOETRACK_NOW (read only by the alerts commands) fixes the
clock of the check, so outputs are exact. TZ is pinned to UTC for the local times printed.
"""

from __future__ import annotations

import re

import pytest
from conftest_services import SMTP_PASSWORD, SMTP_USER
from helpers import db_dump

from shoetrack.notify.desktop import NO_SESSION_BUS

pytestmark = pytest.mark.tz("UTC")  # the expected days are UTC calendar days


@pytest.fixture
def clock(monkeypatch):
    def set_now(stamp: str):
        monkeypatch.setenv("SHOETRACK_NOW", stamp)

    set_now("2026-03-01T08:00:00Z")
    return set_now


def write_config(tmp_path, *, smtp=None, desktop=False):
    text = f"[desktop]\nenabled = {'true' if desktop else 'false'}\n"
    if smtp is not None:
        text += (
            f'[email]\nenabled = true\nhost = "{smtp.host}"\nport = {smtp.port}\n'
            f'security = "{smtp.mode}"\nusername = "{SMTP_USER}"\n'
            f'from = "shoetrack <{SMTP_USER}>"\nto = ["runner@example.net"]\n'
            f'cafile = "{smtp.cafile}"\ntimeout = 5\n'
        )
    (tmp_path / "config.toml").write_text(text)


@pytest.fixture
def pegasus(st):
    st(
        "shoe",
        "add",
        "Pegasus 40",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "290mi",
    )


def test_nothing_yet(st, tmp_path, clock):
    write_config(tmp_path)
    assert (
        st("alerts").stdout
        == "No alerts raised yet; `shoetrack alerts check` raises what is due.\n"
    )
    assert st.json("alerts") == []
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"


def test_check_raises_and_emails_once(st, tmp_path, clock, pegasus, smtp_server, monkeypatch):
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)
    write_config(tmp_path, smtp=smtp_server)
    st("log", "15mi", "--date", "2026-02-20")  # 305 mi
    out = st("alerts", "check").stdout
    [got] = smtp_server.messages
    mid = got.message["Message-ID"]
    assert out == (
        "Raised: Pegasus 40 entered its replacement window: 305 mi of 300–500; "
        "replace in about 78 weeks at your current ~2 mi/week\n"
        "  (also passed approaching: recorded, not sent separately)\n"
        f"email: sent to runner@example.net via 127.0.0.1:{smtp_server.port} (Message-ID {mid})\n"
    )
    assert got.message["Subject"] == "shoetrack: Pegasus 40 entered its replacement window"
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"
    assert len(smtp_server.messages) == 1

    assert st("alerts").stdout == (
        "#  pair        level        distance  raised            state   delivery\n"
        "-  ----------  -----------  --------  ----------------  ------  -----------------\n"
        "2  Pegasus 40  window       305.0 mi  2026-03-01 08:00  active  email sent\n"
        "1  Pegasus 40  approaching  305.0 mi  2026-03-01 08:00  active  covered by window\n"
    )
    listed = st.json("alerts", "list")
    assert [(a["level"], a["covered_by"]) for a in listed] == [
        ("window", None),
        ("approaching", "window"),
    ]
    assert listed[0]["deliveries"][0] | {"id": 0} == {
        "id": 0,
        "channel": "email",
        "status": "sent",
        "attempts": 1,
        "last_error": None,
        "next_attempt_at": None,
        "sent_at": "2026-03-01T08:00:00Z",
    }


def test_failed_channel_exit_1_and_retry(st, tmp_path, clock, pegasus, monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    write_config(tmp_path, desktop=True)
    st("log", "15mi", "--date", "2026-02-20")
    r = st("alerts", "check", code=1)
    assert r.stdout.splitlines()[-1] == (
        f"desktop: failed, attempt 1: {NO_SESSION_BUS} (delivery #1 stays queued and is retried)"
    )
    assert r.stderr == "Error: 1 of 1 delivery not sent; queued for the next check\n"
    assert st("alerts").stdout.endswith(
        "2  Pegasus 40  window       305.0 mi  2026-03-01 08:00  active  desktop failed\n"
        "1  Pegasus 40  approaching  305.0 mi  2026-03-01 08:00  active  covered by window\n"
        "\nOutbox: 1 message not sent yet:\n"
        f"  #1 desktop: failed 1 time, next try 2026-03-01 08:02: {NO_SESSION_BUS}\n"
    )
    # By hand, the next check retries at once (the backoff is for automatic checks).
    r = st("alerts", "check", code=1)
    assert r.stdout == (
        f"desktop: failed, attempt 2: {NO_SESSION_BUS} (delivery #1 stays queued and is retried)\n"
    )


def test_turning_a_channel_off_holds_its_queue(
    st, tmp_path, clock, pegasus, notification_server, monkeypatch
):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    write_config(tmp_path, desktop=True)
    st("log", "15mi", "--date", "2026-02-20")
    st("alerts", "check", code=1)
    write_config(tmp_path, desktop=False)  # the user gives up on desktop notifications
    r = st("alerts", "check")
    assert r.stdout == (
        "desktop: held (desktop is turned off in the config); delivery #1 stays "
        "queued until it is turned on\n"
    )
    write_config(tmp_path, desktop=True)  # ... and turns them on again: nothing was lost
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    r = st("alerts", "check")
    [n] = notification_server.received
    assert r.stdout == f"desktop: notification #{n.id} shown\n"


def test_delivered_after_the_bus_comes_back(
    st, tmp_path, clock, pegasus, notification_server, monkeypatch
):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    write_config(tmp_path, desktop=True)
    st("log", "15mi", "--date", "2026-02-20")
    st("alerts", "check", code=1)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    r = st("alerts", "check")
    [n] = notification_server.received
    assert r.stdout == f"desktop: notification #{n.id} shown\n"
    assert n.summary == "Pegasus 40 entered its replacement window"


def test_rearm_after_unassign_through_the_cli(st, tmp_path, clock, pegasus):
    write_config(tmp_path)
    st("log", "15mi", "--date", "2026-02-20")
    out = st("alerts", "check").stdout
    assert out.startswith("Raised: Pegasus 40 entered its replacement window")
    assert out.endswith(
        "No delivery channel is enabled: set [email] enabled = true, "
        "[desktop] enabled = true or [push] urls in the config.\n"
    )
    st("activity", "unassign", "1")
    assert st("alerts", "check").stdout == (
        "Re-armed: Pegasus 40 window (activities moved off; it can fire again)\n"
    )
    st("activity", "assign", "1", "Pegasus 40")
    assert st("alerts", "check").stdout.startswith(
        "Raised: Pegasus 40 entered its replacement window: 305 mi"
    )


def test_snooze_and_reminders(st, tmp_path, clock):
    write_config(tmp_path)
    st(
        "shoe",
        "add",
        "Old",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "600mi",
    )
    st("alerts", "check")
    assert st("alerts", "snooze", "old", "--days", "14").stdout == (
        "Reminders for Old held until 2026-03-15 08:00.\n"
    )
    st("log", "3mi", "--date", "2026-03-05")
    clock("2026-03-12T08:00:00Z")
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"
    assert st("alerts", "snooze", "Old", "--clear").stdout == "Reminders for Old resume.\n"
    assert st("alerts", "check").stdout.startswith(
        "Raised: Old is well past its replace distance: 603 mi of 300–500; "
        'retire it (shoetrack shoe retire "Old") or raise its limit\n'
    )


def test_snooze_usage_errors(st, tmp_path, pegasus):
    before = db_dump(st.db)
    r = st("alerts", "snooze", "Pegasus 40", code=2)
    assert r.stderr.startswith("Error: give either --days N or --clear")
    st("alerts", "snooze", "Pegasus 40", "--days", "3", "--clear", code=2)
    st("alerts", "snooze", "Pegasus 40", "--days", "0", code=2)
    r = st("alerts", "snooze", "Nope", "--days", "3", code=2)
    assert r.stderr == "Error: no pair matches 'Nope' (see `shoetrack shoe list`)\n"
    assert db_dump(st.db) == before


def test_bad_clock(st, monkeypatch):
    monkeypatch.setenv("SHOETRACK_NOW", "soon")
    r = st("alerts", "check", code=1)
    assert r.stderr == "Error: SHOETRACK_NOW='soon' is not an ISO-8601 time\n"


def test_notify_test_email(st, tmp_path, smtp_server, monkeypatch, request):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())  # the developer's real keyring must not answer
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    write_config(tmp_path, smtp=smtp_server)
    r = st("notify", "test", "--channel", "email", code=1)
    assert r.stderr == (
        "Error: email not sent: no SMTP password: set SHOETRACK_SMTP_PASSWORD "
        "or store it in the keyring\n"
    )
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", "nope")
    r = st("notify", "test", "--channel", "email", code=1)
    assert r.stderr == f"Error: email not sent: SMTP login refused for {SMTP_USER} (535)\n"
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)
    r = st("notify", "test", "--channel", "email")
    [got] = smtp_server.messages
    assert r.stdout == (
        f"email sent to runner@example.net via 127.0.0.1:{smtp_server.port} "
        f"(Message-ID {got.message['Message-ID']})\n"
    )
    assert got.message["Subject"] == "shoetrack test message"
    assert got.message.get_content().startswith(
        "If you can read this, shoetrack can reach you through email.\n"
    )
    assert SMTP_PASSWORD not in r.output
    smtp_server.stop()
    r = st("notify", "test", "--channel", "email", code=1)
    assert r.stderr == (
        f"Error: email not sent: SMTP server 127.0.0.1:{smtp_server.port} refused the connection\n"
    )


def test_notify_test_email_not_configured(st, tmp_path):
    write_config(tmp_path)
    r = st("notify", "test", "--channel", "email", code=1)
    assert r.stderr == (
        "Error: email not sent: email settings: email.host is not set, "
        'e.g. host = "smtp.example.org"\n'
    )


def test_notify_test_desktop(st, tmp_path, notification_server, monkeypatch):
    write_config(tmp_path, desktop=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    r = st("notify", "test", "--channel", "desktop")
    [n] = notification_server.received
    assert r.stdout == (
        f"desktop notification #{n.id} shown\n"
        "Note: alerts do not use desktop yet; set [desktop] enabled = true "
        "in the config.\n"
    )
    assert n.summary == "shoetrack test message"
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    r = st("notify", "test", "--channel", "desktop", code=1)
    assert r.stderr == f"Error: desktop not sent: {NO_SESSION_BUS}\n"


@pytest.mark.parametrize(
    "command",
    [["alerts"], ["alerts", "list"], ["alerts", "check"], ["alerts", "snooze"], ["notify", "test"]],
)
def test_help_has_an_example(st, command):
    out = st(*command, "--help").stdout
    assert re.search(r"Examples?:\n +shoetrack ", out), out
