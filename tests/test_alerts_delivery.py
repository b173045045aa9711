"""The outbox against real services: aiosmtpd (STARTTLS + AUTH), a private D-Bus session bus with a
notification server, and dunst. Channels are never mocked."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest_services import SMTP_PASSWORD, SMTP_USER
from helpers import db_dump

from shoetrack import shoes
from shoetrack.alerts import outbox, planning
from shoetrack.config import Config
from shoetrack.notify.desktop import NO_SESSION_BUS

MI = 1609.344
NOW = datetime(2026, 2, 1, 8, 0, tzinfo=timezone.utc)


def email_config(server, *, desktop=False) -> Config:
    return Config(
        email={
            "enabled": True,
            "host": server.host,
            "port": server.port,
            "security": server.mode,
            "username": SMTP_USER,
            "from": f"shoetrack <{SMTP_USER}>",
            "to": ["runner@example.net"],
            "cafile": server.cafile,
            "timeout": 5,
        },
        desktop={"enabled": desktop},
    )


def window_pair(store, name="Pegasus 40", miles=305):
    return shoes.add(store, name, purchased_on="2025-06-01", start_distance_m=miles * MI)


def status(store):
    return store.q(
        "SELECT channel, status, attempts, last_error, next_attempt_at, sent_at"
        " FROM deliveries ORDER BY id"
    )


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)


def test_email_digest_over_starttls_with_auth(store, smtp_server, password):
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    [a] = outbox.deliver_pending(store, config, NOW)

    [got] = smtp_server.messages
    assert (got.tls, got.auth_user, got.mail_from, got.rcpt_tos) == (
        True,
        SMTP_USER,
        SMTP_USER,
        ["runner@example.net"],
    )
    msg = got.message
    assert msg["Subject"] == "shoetrack: Pegasus 40 entered its replacement window"
    assert msg["From"] == f"shoetrack <{SMTP_USER}>"
    assert msg["To"] == "runner@example.net"
    assert msg["Date"] and msg["Message-ID"].endswith("@example.org>")
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == store.scalar("SELECT body FROM deliveries")
    assert msg.get_content().startswith(
        "Pegasus 40 entered its replacement window.\n\n"
        "  Distance:   305 mi (warn at 300 mi, replace at 500 mi)\n"
    )

    assert a.line() == (
        f"email: sent to runner@example.net via 127.0.0.1:{smtp_server.port} "
        f"(Message-ID {msg['Message-ID']})"
    )
    assert status(store) == [
        {
            "channel": "email",
            "status": "sent",
            "attempts": 1,
            "last_error": None,
            "next_attempt_at": None,
            "sent_at": "2026-02-01T08:00:00Z",
        }
    ]
    assert outbox.deliver_pending(store, config, NOW + timedelta(hours=1)) == []
    assert len(smtp_server.messages) == 1


def test_server_down_stays_queued_with_the_reason_then_goes_out(store, smtp_server, password):
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    smtp_server.stop()
    [a] = outbox.deliver_pending(store, config, NOW)
    reason = f"SMTP server 127.0.0.1:{smtp_server.port} refused the connection"
    assert (a.outcome, a.detail) == ("failed", reason)
    assert status(store) == [
        {
            "channel": "email",
            "status": "failed",
            "attempts": 1,
            "last_error": reason,
            "next_attempt_at": "2026-02-01T08:02:00Z",
            "sent_at": None,
        }
    ]

    smtp_server.start()
    # An automatic check before the backoff is over leaves it alone...
    assert outbox.deliver_pending(store, config, NOW + timedelta(minutes=1)) == []
    # ...the next one after it delivers.
    [a] = outbox.deliver_pending(store, config, NOW + timedelta(minutes=2))
    assert a.ok and a.attempts == 2
    assert len(smtp_server.messages) == 1
    assert [(d["status"], d["last_error"]) for d in status(store)] == [("sent", None)]


def test_backoff_grows_and_force_ignores_it(store, smtp_server, password):
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    smtp_server.stop()
    t = NOW
    for expect_wait in (2, 4, 8):
        [a] = outbox.deliver_pending(store, config, t)
        assert not a.ok
        t = t + timedelta(minutes=expect_wait)
        assert a.next_attempt_at == t.strftime("%Y-%m-%dT%H:%M:%SZ")
    smtp_server.start()
    [a] = outbox.deliver_pending(store, config, NOW + timedelta(minutes=15), force=True)
    assert a.ok and a.attempts == 4


def test_wrong_password_is_reported_and_never_stored(store, smtp_server, monkeypatch, capsys):
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD)
    [a] = outbox.deliver_pending(store, config, NOW)
    assert a.detail == f"SMTP login refused for {SMTP_USER} (535)"
    assert smtp_server.messages == []
    dump = repr(db_dump(store.path))
    assert SMTP_PASSWORD not in dump and SMTP_PASSWORD not in repr(capsys.readouterr())

    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)
    [a] = outbox.deliver_pending(store, config, NOW + timedelta(minutes=2))
    assert a.ok and len(smtp_server.messages) == 1
    assert SMTP_PASSWORD not in repr(db_dump(store.path))


def test_no_password_at_all(store, smtp_server, request):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())  # the developer's real keyring must not answer
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    [a] = outbox.deliver_pending(store, config, NOW)
    assert a.detail == "no SMTP password: set SHOETRACK_SMTP_PASSWORD or store it in the keyring"


def test_desktop_notification_through_the_bus(store, notification_server, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    config = Config(desktop={"enabled": True})
    window_pair(store)
    window_pair(store, "Ghost 15", 505)
    planning.raise_due(store, config, NOW)
    [a] = outbox.deliver_pending(store, config, NOW)
    [n] = notification_server.received
    assert (n.app_name, n.summary) == ("shoetrack", "2 pairs need attention: Ghost 15, Pegasus 40")
    assert n.body == (
        "Ghost 15 reached its replace distance: 505 mi of 300–500; time for a new pair\n"
        "Pegasus 40 entered its replacement window: 305 mi of 300–500"
    )
    assert a.line() == f"desktop: notification #{n.id} shown"
    assert [d["status"] for d in status(store)] == ["sent"]


def test_desktop_through_real_dunst(store, dunst_session, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", dunst_session.address)
    config = Config(desktop={"enabled": True})
    window_pair(store, "Clifton 9", 510)
    planning.raise_due(store, config, NOW)
    [a] = outbox.deliver_pending(store, config, NOW)
    assert a.ok, a.detail
    latest = dunst_session.history()[0]
    assert latest["summary"] == "Clifton 9 reached its replace distance"
    assert (
        latest["body"]
        == "Clifton 9 reached its replace distance: 510 mi of 300–500; time for a new pair"
    )


def test_no_bus_is_failed_with_reason_not_a_crash(store, monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    config = Config(desktop={"enabled": True})
    window_pair(store)
    planning.raise_due(store, config, NOW)
    [a] = outbox.deliver_pending(store, config, NOW)
    assert (a.outcome, a.detail) == ("failed", NO_SESSION_BUS)
    assert a.line() == (
        f"desktop: failed, attempt 1: {NO_SESSION_BUS} (delivery #1 stays queued and is retried)"
    )
    assert [(d["status"], d["last_error"]) for d in status(store)] == [("failed", NO_SESSION_BUS)]


def test_a_failing_channel_does_not_block_the_other(
    store, smtp_server, notification_server, password, monkeypatch
):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", notification_server.address)
    config = email_config(smtp_server, desktop=True)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    smtp_server.stop()
    got = outbox.deliver_pending(store, config, NOW)
    assert [(a.channel, a.outcome) for a in got] == [("email", "failed"), ("desktop", "sent")]
    assert len(notification_server.received) == 1

    # A second alert while email is still down: the unsent email is folded into one new digest
    # (what the channel missed arrives as one message); desktop got the first one already.
    window_pair(store, "Ghost 15", 505)
    planning.raise_due(store, config, NOW + timedelta(minutes=3))
    got = outbox.deliver_pending(store, config, NOW + timedelta(minutes=3))
    assert [(a.delivery_id, a.channel, a.outcome) for a in got] == [
        (3, "email", "failed"),
        (4, "desktop", "sent"),
    ]
    assert [(d["channel"], d["attempts"]) for d in status(store)] == [
        ("desktop", 1),
        ("email", 1),
        ("desktop", 1),
    ]

    smtp_server.start()
    got = outbox.deliver_pending(store, config, NOW + timedelta(hours=1))
    assert [(a.delivery_id, a.outcome) for a in got] == [(3, "sent")]
    [only] = smtp_server.messages
    assert only.message["Subject"] == "shoetrack: 2 pairs need attention: Pegasus 40, Ghost 15"
    body = only.message.get_content()
    assert body.startswith("2 shoe alerts:\n\nPegasus 40 entered its replacement window.")
    assert "Ghost 15 reached its replace distance." in body
    assert len(notification_server.received) == 2  # nothing sent twice
    assert {d["status"] for d in status(store)} == {"sent"}


def test_a_claimed_delivery_is_not_sent_twice(store, smtp_server, password):
    """Two processes that read the same pending row: only the one whose claim lands sends."""
    config = email_config(smtp_server)
    window_pair(store)
    planning.raise_due(store, config, NOW)
    [row] = store.q("SELECT * FROM deliveries")
    assert outbox._claim(store, row, NOW) == 1
    assert outbox._claim(store, row, NOW) is None  # the second reader's stale view
    # The lease keeps automatic checks away while the first process sends.
    assert outbox.deliver_pending(store, config, NOW + timedelta(minutes=1)) == []
    # ... and forced checks too (`alerts check` by a person ignores the retry backoff, never a
    # claim another process holds).
    assert outbox.deliver_pending(store, config, NOW + timedelta(minutes=1), force=True) == []
    assert smtp_server.messages == []
    # A claim whose process died expires with its lease, and the delivery goes out once.
    [a] = outbox.deliver_pending(store, config, NOW + timedelta(minutes=6), force=True)
    assert (a.outcome, a.attempts) == ("sent", 2)
    assert len(smtp_server.messages) == 1


def test_concurrent_checks_send_one_alert_once(tmp_path, smtp_server, password):
    """Four checks at the same instant, each with its own connection to one real database file
    (as four processes would), against a real SMTP server: one alert, one message."""
    import threading

    from shoetrack.store import open_store

    path = tmp_path / "shoetrack.db"
    config = email_config(smtp_server)
    first = open_store(path)
    window_pair(first)
    first.close()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def check():
        store = open_store(path)
        try:
            barrier.wait()
            results.append(planning.check(store, config, NOW, force=True))
        except Exception as e:  # surfaced below: a thread's exception would vanish
            errors.append(e)
        finally:
            store.close()

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(len(r.raised.notified) for r in results) == [0, 0, 0, 1]
    assert sum(a.ok for r in results for a in r.attempts) == 1
    assert len(smtp_server.messages) == 1
    check_store = open_store(path)
    try:
        assert [r["level"] for r in check_store.q("SELECT level FROM alerts ORDER BY id")] == [
            "approaching",
            "window",
        ]
        assert status(check_store)[0]["status"] == "sent"
    finally:
        check_store.close()


def test_migration_0004_adds_delivery_claims(tmp_path):
    """From an empty database and from one at the version before (a queued delivery kept)."""
    import sqlite3

    import sqlite_utils

    from shoetrack.store import MIGRATIONS, open_store

    fresh = open_store(tmp_path / "fresh.db")
    assert "claimed_until" in {c[1] for c in fresh.conn.execute("PRAGMA table_info(deliveries)")}
    fresh.close()

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="0004_settings")
    db.execute(
        "INSERT INTO deliveries (channel, status, subject, body, created_at)"
        " VALUES ('email', 'pending', 's', 'b', '2026-01-01T00:00:00Z')"
    )
    db.conn.commit()
    db.close()
    store = open_store(path)
    try:
        assert store.q("SELECT channel, status, attempts, claimed_until FROM deliveries") == [
            {"channel": "email", "status": "pending", "attempts": 0, "claimed_until": None}
        ]
        assert "0004_settings" in {
            r["name"] for r in store.q("SELECT name FROM _sqlite_migrations")
        }
    finally:
        store.close()


def test_a_message_reporting_no_pair_alert_is_never_folded(store, smtp_server, password):
    """A training-load note (no pair alert linked) waiting in the outbox stays as it is when a
    pair alert is raised: only pair alerts are folded into the new digest."""
    config = email_config(smtp_server)
    smtp_server.stop()
    note = outbox.enqueue(store, "email", "Training load: a long run", "note body", [], NOW)
    assert outbox.deliver_pending(store, config, NOW)[0].outcome == "failed"
    window_pair(store)
    planning.raise_due(store, config, NOW + timedelta(minutes=3))
    assert [
        (d["id"], d["subject"]) for d in store.q("SELECT id, subject FROM deliveries ORDER BY id")
    ] == [
        (note, "Training load: a long run"),
        (note + 1, "shoetrack: Pegasus 40 entered its replacement window"),
    ]
    smtp_server.start()
    got = outbox.deliver_pending(store, config, NOW + timedelta(minutes=3), force=True)
    assert [a.outcome for a in got] == ["sent", "sent"]
    assert [m.message["Subject"] for m in smtp_server.messages] == [
        "Training load: a long run",
        "shoetrack: Pegasus 40 entered its replacement window",
    ]
