"""The daemon: [daemon] settings, the job functions (called directly), the scheduler factory,
`shoetrack daemon --once` through the CLI, and a real process stopped by SIGTERM."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path

import pytest
from builders import T1, gpx, track

from shoetrack import daemon, notify
from shoetrack.alerts import outbox
from shoetrack.config import Config, from_dict
from shoetrack.errors import ShoetrackError
from shoetrack.ingest import watch
from shoetrack.store import open_store

HOUR_AGO = time.time() - 3600


def put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    return path


def no_desktop() -> Config:
    return from_dict({"desktop": {"enabled": False}})


@pytest.fixture
def opener(tmp_path):
    return lambda: open_store(tmp_path / "shoetrack.db")


@pytest.fixture
def worn(st):
    """A pair already past its warn distance (300 mi): any alert check raises `window`."""
    st(
        "shoe",
        "add",
        "P",
        "--start-distance",
        "320mi",
        "--default-for",
        "run",
        "--purchased",
        "2026-01-01",
    )


# --- settings -------------------------------------------------------------------------------


def test_settings_defaults_and_forms():
    assert daemon.load_settings(Config()) == daemon.Settings(300.0, clock(8, 0), 60.0)
    s = daemon.load_settings(
        from_dict({"daemon": {"scan_every": "1h30m", "alert_check": "7:05", "settle": "0s"}})
    )
    assert s == daemon.Settings(5400.0, clock(7, 5), 0.0)
    assert s.describe() == "scan every 90m, alert check daily at 07:05 local time, settle 0s"
    # One duration grammar (units.parse_duration), plus bare numbers meaning seconds.
    forms = ("60s", "5m", "1h", "1d", "1h30m", "90", 45, 2.5, "1:30")
    assert [from_dict({"daemon": {"scan_every": v}}).get("daemon.scan_every") for v in forms] == [
        60,
        300,
        3600,
        86400,
        5400,
        90,
        45,
        2.5,
        90,
    ]


@pytest.mark.parametrize(
    "section, message",
    [
        (
            {"scan_every": "soon"},
            "config: daemon.scan_every cannot read duration 'soon' (use e.g. 60s, 5m or 1h)",
        ),
        ({"scan_every": "0s"}, "config: daemon.scan_every must be between 1s and 1d, not '0s'"),
        ({"scan_every": "2d"}, "config: daemon.scan_every must be between 1s and 1d, not '2d'"),
        (
            {"settle": "-5s"},
            "config: daemon.settle cannot read duration '-5s' (use e.g. 60s, 5m or 1h)",
        ),
        (
            {"settle": True},
            "config: daemon.settle cannot read duration True (use e.g. 60s, 5m or 1h)",
        ),
        (
            {"alert_check": "24:00"},
            "config: daemon.alert_check cannot read time '24:00' (use HH:MM, e.g. 08:00)",
        ),
        (
            {"alert_check": "8am"},
            "config: daemon.alert_check cannot read time '8am' (use HH:MM, e.g. 08:00)",
        ),
        (
            {"scan_evry": "5m"},
            "config: unknown setting 'daemon.scan_evry' (did you mean daemon.scan_every?)",
        ),
    ],
)
def test_bad_settings_are_one_line_errors(section, message):
    with pytest.raises(ShoetrackError) as e:
        from_dict({"daemon": section})
    assert str(e.value) == message


# --- jobs -----------------------------------------------------------------------------------


def test_run_scan_imports_and_then_checks_alerts(tmp_path, opener, worn, caplog):
    caplog.set_level(logging.INFO, logger="shoetrack")
    d = tmp_path / "w"
    d.mkdir()
    with _open(opener) as store:
        watch.add(store, d)
    config = no_desktop()
    # nothing new: no alert check, although the pair is past warn (that waits for 08:00)
    report = daemon.run_scan(opener, config)
    assert report.files == []
    with _open(opener) as store:
        assert store.scalar("SELECT count(*) FROM alerts") == 0
    put(d / "a.gpx", gpx(track(T1)))
    report = daemon.run_scan(opener, config)
    assert report.count("imported") == 1
    with _open(opener) as store:
        assert [r["level"] for r in store.q("SELECT level FROM alerts ORDER BY id")] == [
            "approaching",
            "window",
        ]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"imported {d / 'a.gpx'}: 1 activity (P +") for m in messages)
    assert any(m.startswith("alert: P entered its replacement window") for m in messages)
    assert any("no delivery channel is enabled" in m for m in messages)


def test_first_scan_of_a_daemon_run_checks_alerts(opener, worn):
    """A computer that was off at 08:00 still gets its daily check: after the first scan."""
    memory = watch.Memory()
    daemon.run_scan(opener, no_desktop(), memory=memory)
    with _open(opener) as store:
        assert store.scalar("SELECT count(*) FROM alerts") == 2
        with store.write():
            store.conn.execute("DELETE FROM alerts")
    daemon.run_scan(opener, no_desktop(), memory=memory)  # later scans: only after an import
    with _open(opener) as store:
        assert store.scalar("SELECT count(*) FROM alerts") == 0


def test_run_scan_logs_an_unplugged_folder_once(tmp_path, opener, caplog):
    caplog.set_level(logging.INFO, logger="shoetrack")
    usb = tmp_path / "usb"
    usb.mkdir()
    with _open(opener) as store:
        watch.add(store, usb)
    usb.rmdir()
    memory = watch.Memory()
    for _ in range(3):
        daemon.run_scan(opener, no_desktop(), memory=memory)
    usb.mkdir()
    daemon.run_scan(opener, no_desktop(), memory=memory)
    lines = [r.getMessage() for r in caplog.records if r.name == "shoetrack.daemon"]
    assert lines == [
        f"skipped {usb}: folder not found (unplugged or unmounted?)",
        f"watched folder is back: {usb}",
    ]


def test_run_scan_retries_a_due_delivery(opener, monkeypatch):
    sent = []
    monkeypatch.setattr(
        notify, "senders", lambda config: {"email": lambda s, b: sent.append(s) or "sent"}
    )
    now = datetime.now(timezone.utc)
    with _open(opener) as store:
        outbox.enqueue(store, "email", "subject", "body", [], now - timedelta(minutes=1))
    config = from_dict({"email": {"enabled": True, "host": "x"}, "desktop": {"enabled": False}})
    daemon.run_scan(opener, config, now=now)
    assert sent == ["subject"]
    daemon.run_scan(opener, config, now=now)  # nothing due any more
    assert sent == ["subject"]


def test_run_alerts_raises_and_delivers_without_forcing(opener, worn, monkeypatch):
    sent = []
    monkeypatch.setattr(
        notify,
        "senders",
        lambda config: {"email": lambda s, b: sent.append(s) or "ok", "desktop": _failing},
    )
    config = from_dict({"email": {"enabled": True, "host": "x"}, "desktop": {"enabled": True}})
    now = datetime.now(timezone.utc)
    raised, attempts = daemon.run_alerts(opener, config, now=now)
    assert [d.level for d in raised.notified] == ["window"]
    assert sorted((a.channel, a.outcome) for a in attempts) == [
        ("desktop", "failed"),
        ("email", "sent"),
    ]
    # an automatic check respects the backoff: the failed desktop delivery waits
    _, attempts = daemon.run_alerts(opener, config, now=now + timedelta(seconds=30))
    assert attempts == []
    _, attempts = daemon.run_alerts(opener, config, now=now + timedelta(minutes=3))
    assert [(a.channel, a.outcome) for a in attempts] == [("desktop", "failed")]


def _failing(subject, body):
    from shoetrack.notify import DeliveryError

    raise DeliveryError("no session bus", channel="desktop")


def test_run_once_runs_both_jobs_and_survives_a_failing_one(opener, monkeypatch, caplog):
    from shoetrack.alerts.planning import Raised

    caplog.set_level(logging.INFO, logger="shoetrack")
    ran = []
    monkeypatch.setattr(daemon, "run_scan", lambda *a, **k: ran.append("scan") or 1 / 0)
    monkeypatch.setattr(
        daemon, "run_alerts", lambda *a, **k: ran.append("alerts") or (Raised(), [])
    )
    assert daemon.run_once(opener, Config()) is False
    assert ran == ["scan", "alerts"]
    [rec] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert rec.getMessage() == "job scan failed" and rec.exc_info[0] is ZeroDivisionError
    assert "alerts: 0 raised, 0 of 0 deliveries sent" in [r.getMessage() for r in caplog.records]


# --- the scheduler --------------------------------------------------------------------------


def test_scheduler_registers_two_jobs_with_triggers_and_defaults(opener):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    config = from_dict({"daemon": {"scan_every": "10m", "alert_check": "07:30"}})
    assert isinstance(daemon.build_scheduler(opener, config), BlockingScheduler)
    sched = daemon.build_scheduler(opener, config, blocking=False)
    assert isinstance(sched, BackgroundScheduler)
    before = datetime.now(timezone.utc)
    sched.start(paused=True)  # jobs get their defaults when added to a started scheduler
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) == {"scan", "alerts"}
        scan, alerts = jobs["scan"], jobs["alerts"]
        assert isinstance(scan.trigger, IntervalTrigger)
        assert scan.trigger.interval == timedelta(minutes=10)
        assert isinstance(alerts.trigger, CronTrigger)
        fields = {f.name: str(f) for f in alerts.trigger.fields}
        assert (fields["hour"], fields["minute"], fields["day"]) == ("7", "30", "*")
        assert (
            alerts.trigger.timezone.utcoffset(datetime.now())
            == datetime.now().astimezone().utcoffset()
        )
        for job in jobs.values():
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
                True,
                1,
                daemon.MISFIRE_GRACE_S,
            )
        # the scan runs at start (and checks alerts after it); alerts then daily at 07:30 local
        assert before - timedelta(seconds=1) <= scan.next_run_time <= datetime.now(timezone.utc)
        local = alerts.next_run_time.astimezone()
        assert local.strftime("%H:%M") == "07:30"
        assert timedelta(0) < local - datetime.now().astimezone() <= timedelta(days=1)
        assert scan.func is daemon.run_scan and alerts.func is daemon.run_alerts
        assert scan.kwargs["settings"].scan_every_s == 600
    finally:
        sched.shutdown(wait=False)


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(caplog):
    caplog.set_level(logging.INFO, logger="shoetrack")
    attempts = []
    failed = threading.Event()

    def broken_opener():
        attempts.append(threading.current_thread().name)
        raise RuntimeError("disk on fire")

    def listener(event):
        if event.job_id == "scan":
            failed.set()

    sched = daemon.build_scheduler(broken_opener, no_desktop(), blocking=False)
    from apscheduler.events import EVENT_JOB_ERROR

    sched.add_listener(listener, EVENT_JOB_ERROR)
    sched.start()
    try:
        assert failed.wait(10)
        failed.clear()
        sched.get_job("scan").modify(next_run_time=datetime.now(timezone.utc))  # run again now
        assert failed.wait(10)
        assert sched.running
    finally:
        sched.shutdown(wait=True)
    errors = [
        r for r in caplog.records if r.name == "shoetrack.daemon" and r.levelno == logging.ERROR
    ]
    scan_errors = [
        r for r in errors if r.getMessage() == "job scan failed: RuntimeError: disk on fire"
    ]
    assert len(scan_errors) == 2 and all(r.exc_info for r in scan_errors)
    assert len(attempts) == 2


def test_listener_logs_known_failures_in_one_line(caplog):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent

    now = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    daemon.log_job_event(
        JobExecutionEvent(
            EVENT_JOB_ERROR, "scan", "default", now, exception=ShoetrackError("database x: locked")
        )
    )
    daemon.log_job_event(JobExecutionEvent(EVENT_JOB_MISSED, "alerts", "default", now))
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records] == [
        ("ERROR", "job scan failed: database x: locked", None),
        (
            "WARNING",
            "job alerts missed its run at 2026-11-20 08:00:00+00:00 (computer asleep or busy?)",
            None,
        ),
    ]


# --- through the CLI ------------------------------------------------------------------------


def test_daemon_once_imports_and_raises_alerts(st, tmp_path, worn, caplog):
    (tmp_path / "config.toml").write_text('[desktop]\nenabled = false\n[daemon]\nsettle = "30s"\n')
    d = tmp_path / "garmin"
    put(d / "a.gpx", gpx(track(T1)))
    st("watch", "add", d)
    r = st("daemon", "--once")
    assert r.stdout == ""  # diagnostics only, on stderr (pytest's log capture takes them here)
    logged = [rec.getMessage() for rec in caplog.records]
    assert any(m.startswith(f"imported {d / 'a.gpx'}") for m in logged)
    assert (
        "scan: 1 of 1 folder(s) scanned, 1 file(s) read, 1 imported, 0 failed, 0 waiting to settle"
    ) in logged
    assert any(m.startswith("alert: P entered its replacement window") for m in logged)
    [a] = st.json("activities")
    assert a["shoe"] == "P"
    levels = sorted(x["level"] for x in st.json("alerts"))
    assert levels == ["approaching", "window"]
    st("daemon", "--once")  # idempotent: nothing new, each level fired once
    assert len(st.json("activities")) == 1 and len(st.json("alerts")) == 2


def test_daemon_bad_setting_is_one_line(st, tmp_path):
    (tmp_path / "config.toml").write_text('[daemon]\nscan_every = "often"\n')
    r = st("daemon", "--once", code=1)
    assert r.stderr == (
        f"Error: config {tmp_path / 'config.toml'}: daemon.scan_every cannot "
        "read duration 'often' (use e.g. 60s, 5m or 1h)\n"
    )


def test_daemon_process_stops_cleanly_on_sigterm(tmp_path, worn):
    (tmp_path / "config.toml").write_text("[desktop]\nenabled = false\n")
    d = tmp_path / "garmin"
    put(d / "a.gpx", gpx(track(T1)))
    with _open(lambda: open_store(tmp_path / "shoetrack.db")) as store:
        watch.add(store, d)
    code = "from shoetrack.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "daemon"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
    seen = []
    try:
        deadline = time.monotonic() + 20
        while not any("imported " in x for x in seen):
            assert time.monotonic() < deadline, seen
            seen.append(lines.get(timeout=20))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.1)  # let the reader thread drain the pipe
    while not lines.empty():
        seen.append(lines.get())
    text = "".join(seen)
    assert "INFO shoetrack.daemon: started: scan every 5m" in text
    assert "SIGTERM received: stopping" in text and text.rstrip().endswith(
        "INFO shoetrack.daemon: stopped"
    )
    assert "Traceback" not in text


class _open:
    """A store for the duration of a with-block (the Store itself is not a context manager)."""

    def __init__(self, opener):
        self.store = opener()

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.close()
