"""Push to the phone through apprise, for real: apprise posts to a plain HTTP server on
loopback (its json:// and ntfy:// targets), through the CLI and the outbox."""

from __future__ import annotations

import logging
import sqlite3

import pytest

SECRET = "sekrit-token-4711"


def push_config(tmp_path, *urls, enabled=None, desktop=False):
    text = f"[desktop]\nenabled = {'true' if desktop else 'false'}\n[push]\n"
    if enabled is not None:
        text += f"enabled = {'true' if enabled else 'false'}\n"
    text += "urls = [" + ", ".join(f'"{u}"' for u in urls) + ']\ntimeout = "5s"\n'
    (tmp_path / "config.toml").write_text(text)


def json_url(server) -> str:
    return f"json://{server.host}:{server.port}/{SECRET}"


@pytest.fixture
def worn(st):
    st(
        "shoe",
        "add",
        "Pegasus 40",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "305mi",
    )


def deliveries(tmp_path):
    conn = sqlite3.connect(tmp_path / "shoetrack.db")
    try:
        return conn.execute(
            "SELECT channel, status, attempts, last_error FROM deliveries ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_notify_test_push_posts_json(st, tmp_path, http_endpoint):
    push_config(tmp_path, json_url(http_endpoint))
    r = st("notify", "test", "--channel", "push")
    assert r.stdout == "push sent to json://***\n"
    [req] = http_endpoint.requests
    assert req["path"] == f"/{SECRET}"
    [body] = http_endpoint.json_bodies()
    assert body["title"] == "shoetrack test message"
    assert body["message"].startswith("If you can read this, shoetrack can reach you through push.")


def test_notify_test_push_to_ntfy(st, tmp_path, http_endpoint):
    push_config(tmp_path, f"ntfy://{http_endpoint.host}:{http_endpoint.port}/shoe-{SECRET}")
    assert st("notify", "test", "--channel", "push").stdout == "push sent to ntfy://***\n"
    [req] = http_endpoint.requests
    assert b"shoetrack test message" in req["body"] or "shoetrack test message" in str(
        req["headers"]
    )
    assert f"shoe-{SECRET}" in req["path"] + req["body"].decode()


def test_notify_test_without_channel_tries_every_enabled_channel(st, tmp_path, http_endpoint):
    push_config(tmp_path, json_url(http_endpoint))
    assert st("notify", "test").stdout == "push sent to json://***\n"
    (tmp_path / "config.toml").write_text("[desktop]\nenabled = false\n")
    r = st("notify", "test", code=1)
    assert r.stderr == (
        "Error: no channel is enabled: set [email] enabled = true, "
        "[desktop] enabled = true or [push] urls in the config\n"
    )


def test_alert_goes_out_by_push_and_a_server_down_is_retried_once(
    st, tmp_path, http_endpoint, worn, caplog
):
    push_config(tmp_path, json_url(http_endpoint))
    http_endpoint.stop()
    caplog.set_level(logging.DEBUG)
    r = st("-vv", "alerts", "check", code=1)
    reason = (
        "push not delivered to json://*** (URL 1): A Connection error occurred sending "
        "JSON notification to 127.0.0.1."
    )
    assert f"push: failed, attempt 1: {reason}" in r.stdout
    assert [(c, s, n, e) for c, s, n, e in deliveries(tmp_path)] == [("push", "failed", 1, reason)]
    assert SECRET not in r.output and SECRET not in caplog.text

    http_endpoint.start()
    r = st("alerts", "check")
    assert r.stdout == "push: sent to json://***\n"
    [body] = http_endpoint.json_bodies()
    assert body["title"] == "Pegasus 40 entered its replacement window"
    assert body["message"].startswith(
        "Pegasus 40 entered its replacement window: 305 mi of 300–500"
    )
    assert deliveries(tmp_path) == [("push", "sent", 2, None)]
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"
    assert len(http_endpoint.requests) == 1  # delivered once


def test_push_turned_off_holds_and_the_current_level_replaces_the_stale_one(
    st, tmp_path, http_endpoint, worn
):
    push_config(tmp_path, json_url(http_endpoint))
    http_endpoint.stop()
    st("alerts", "check", code=1)  # window, queued for push, which is down
    push_config(tmp_path, json_url(http_endpoint), enabled=False)
    out = st("alerts").stdout
    assert (
        "  #1 push: held: push is turned off in the config (sent when it is turned on again)\n"
    ) in out
    assert "failed 1 time" not in out
    st("log", "200mi", "--shoe", "Pegasus 40", "--date", "2026-01-10")  # now past replace
    r = st("alerts", "check")
    assert "Raised: Pegasus 40 reached its replace distance" in r.stdout
    assert "push: held (push is turned off in the config)" in r.stdout

    http_endpoint.start()
    push_config(tmp_path, json_url(http_endpoint))
    assert st("alerts", "check").stdout == "push: sent to json://***\n"
    [body] = http_endpoint.json_bodies()  # one message: the current level, not the stale one
    assert body["title"] == "Pegasus 40 reached its replace distance"
    assert "replacement window" not in body["message"]
    assert [(c, s) for c, s, _n, _e in deliveries(tmp_path)] == [("push", "sent")]


def test_url_apprise_cannot_read_is_a_failure_not_a_success(st, tmp_path):
    push_config(tmp_path, f"nosuchservice://{SECRET}@example.org/x")
    r = st("notify", "test", "--channel", "push", code=1)
    assert r.stderr == (
        "Error: push not sent: push not delivered to nosuchservice://*** (URL 1): "
        "apprise does not understand this URL\n"
    )
    assert SECRET not in r.output


def test_redaction_covers_every_part_of_the_url():
    from shoetrack.config import Config
    from shoetrack.notify.push import PushSender

    sender = PushSender(Config(push={"urls": ["tgram://123456:ABCDEFsecret/98765?x=tok3n"]}))
    text = "POST https://api.telegram.org/bot123456:ABCDEFsecret/sendMessage chat 98765 tok3n"
    assert sender.redact(text) == "POST https://api.telegram.org/bot***/sendMessage chat *** ***"


def test_notify_test_reports_each_channel_and_fails_if_one_did(
    st, tmp_path, http_endpoint, monkeypatch
):
    push_config(tmp_path, json_url(http_endpoint), desktop=True)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    from shoetrack.notify.desktop import NO_SESSION_BUS

    r = st("notify", "test", code=1)
    assert r.stdout == "push sent to json://***\n"
    assert r.stderr == (
        f"desktop not sent: {NO_SESSION_BUS}\nError: 1 of 2 channels not reached: desktop\n"
    )
    assert len(http_endpoint.requests) == 1
