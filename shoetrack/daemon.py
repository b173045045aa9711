"""The daemon: a scheduler factory plus plain job functions (tests and `--once` call the jobs
directly, without a scheduler).

Jobs:
- `scan` every `[daemon] scan_every` (default 5 min, and once at start): scans the watched
  folders and imports new, settled files; when it imported something, or a queued delivery is due
  for a retry, it runs the alert check right away. The first scan always does, so a computer
  that was off at 08:00 still checks that day; running it after the scan, not beside it, means
  a first scan that imports a backlog yields one digest, not one alert per partial state.
- `alerts` daily at `[daemon] alert_check` local time (default 08:00): raises what is due and
  delivers the outbox (retries follow the outbox's backoff).

Each job opens its own store connection (SQLite connections belong to one thread) and closes it.
All state lives in the database, so the scheduler needs no job store; a restart loses nothing.
Only this module imports APScheduler, inside functions (the import costs ~100 ms).
Times are timezone-aware UTC, durations seconds.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timezone

from shoetrack.alerts import planning
from shoetrack.errors import ShoetrackError
from shoetrack.ingest import watch
from shoetrack.store import Store
from shoetrack.units import format_distance, format_seconds, iso

log = logging.getLogger(__name__)

JOB_SCAN = "scan"
JOB_ALERTS = "alerts"
# A run missed by less than this (the computer slept through it) still happens once on waking;
# coalescing makes several missed runs one.
MISFIRE_GRACE_S = 12 * 3600

StoreOpener = Callable[[], Store]  # returns a new store, opened for one job


# ---------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class Settings:
    """`[daemon]` settings: seconds between scans, the local time of the daily alert check, and
    seconds a file must be still before it is read. No defaults here: they live in the settings
    table (shoetrack.config.SETTINGS), and load_settings() reads them from there."""

    scan_every_s: float
    alert_check: time
    settle_s: float

    def describe(self) -> str:
        return (
            f"scan every {format_seconds(self.scan_every_s)}, alert check daily at "
            f"{self.alert_check:%H:%M} local time, settle {format_seconds(self.settle_s)}"
        )


def load_settings(config) -> Settings:
    """The `[daemon]` settings of `config`, read through the settings table (shoetrack.config),
    which validated them when the file was loaded; a bad value is a one-line ShoetrackError."""
    return Settings(
        config.get("daemon.scan_every"),
        config.get("daemon.alert_check"),
        config.get("daemon.settle"),
    )


# ---------------------------------------------------------------------------------------------
# Jobs (plain functions: tests and `--once` call them directly)


def run_scan(
    store_opener: StoreOpener,
    config,
    *,
    settings: Settings | None = None,
    memory: watch.Memory | None = None,
    stop: threading.Event | None = None,
    now: datetime | None = None,
    alerts_after: bool = True,
) -> watch.ScanReport:
    """Scan the watched folders once (see watch.scan). With `alerts_after`, run the alert check
    when the scan imported something, a queued delivery is due for a retry, or this is the
    first scan with `memory` (the daemon's first)."""
    settings = settings or load_settings(config)
    now = now or datetime.now(timezone.utc)
    store = store_opener()
    try:
        report = watch.scan(
            store, config, now, settle_s=settings.settle_s, memory=memory, stop=stop
        )
        _log_scan(report, config, memory)
        first = memory is not None and memory.scans == 1
        if alerts_after and (first or report.count("imported") or _retry_due(store, now)):
            _alerts(store, config, now)
    finally:
        store.close()
    return report


def run_alerts(store_opener: StoreOpener, config, *, now: datetime | None = None):
    """Raise the alerts due at `now` (UTC) and deliver what the outbox holds and is due (an
    automatic check: failed deliveries wait for their backoff). Returns (Raised, [Attempt])."""
    store = store_opener()
    try:
        return _alerts(store, config, now or datetime.now(timezone.utc))
    finally:
        store.close()


def _alerts(store, config, now: datetime):

    check = planning.check(store, config, now, force=False)
    raised, attempts = check.raised, check.attempts
    for r in raised.rearmed:
        log.info("re-armed: %s %s (activities moved off the pair)", r["shoe"], r["level"])
    for d in raised.notified:
        log.info("alert: %s", d.message)
    if raised.notified and not raised.channels:
        log.warning(
            "no delivery channel is enabled ([email], [desktop] or [push] in the "
            "config): alerts are recorded but not sent"
        )
    for a in attempts:
        (log.info if a.ok else log.warning)("%s", a.line())
    return raised, attempts


def _retry_due(store, now: datetime) -> bool:
    return (
        store.scalar(
            "SELECT count(*) FROM deliveries WHERE status != 'sent'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            (iso(now),),
        )
        > 0
    )


def _log_scan(report: watch.ScanReport, config, memory: watch.Memory | None) -> None:
    for w in report.watches:
        if w.status != "skipped":
            if memory is not None and w.folder in memory.skipped:
                del memory.skipped[w.folder]
                log.info("watched folder is back: %s", w.folder)
            continue
        # An unplugged watch would otherwise log the same line every few minutes.
        if memory is None or memory.skipped.get(w.folder) != w.reason:
            log.info("skipped %s: %s", w.folder, w.reason)
            if memory is not None:
                memory.skipped[w.folder] = w.reason or ""
    for f in report.files:
        if f.status == "imported":
            pairs = ", ".join(
                f"{name} +{format_distance(m, config.units)}"
                for name, m in sorted(f.by_shoe.items())
            )
            log.info(
                "imported %s: %d activit%s%s",
                f.path,
                len(f.activities),
                "y" if len(f.activities) == 1 else "ies",
                f" ({pairs})" if pairs else "",
            )
            if f.replaced:
                log.info(
                    "  the file changed since its import: %d earlier activit%s replaced",
                    f.replaced,
                    "y" if f.replaced == 1 else "ies",
                )
            for activity_id, sport in f.inferred:
                log.info(
                    "  #%d: sport inferred: %s (`shoetrack activity sport %d SPORT` fixes it)",
                    activity_id,
                    sport,
                    activity_id,
                )
            for line in f.unassigned:
                log.info("  on no pair: %s", line)
        elif f.status == "failed":
            # a transient failure (the database busy, an I/O error) is tried again next scan
            (log.info if f.retry else log.warning)("import failed: %s: %s", f.path, f.reason)
        else:
            log.info("%s: %s: %s", f.status, f.path, f.reason)
    if report.settling:
        log.debug(
            "waiting for %d file(s) to settle: %s",
            len(report.settling),
            ", ".join(report.settling[:5]),
        )
    if report.interrupted:
        log.info("scan interrupted by shutdown; the next scan continues")


def log_job_event(event) -> None:
    """Scheduler listener: a failed, missed or overlapping run is logged; the scheduler goes on
    (the next run is attempted as planned)."""
    from apscheduler.events import (
        EVENT_JOB_ERROR,
        EVENT_JOB_MAX_INSTANCES,
        EVENT_JOB_MISSED,
    )

    if event.code == EVENT_JOB_ERROR:
        exc = event.exception
        if isinstance(exc, ShoetrackError):  # a known failure (database locked...): one line
            log.error("job %s failed: %s", event.job_id, exc)
        else:  # a bug: keep the traceback
            log.error(
                "job %s failed: %s: %s",
                event.job_id,
                type(exc).__name__,
                exc,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
    elif event.code == EVENT_JOB_MISSED:
        log.warning(
            "job %s missed its run at %s (computer asleep or busy?)",
            event.job_id,
            event.scheduled_run_time,
        )
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log.warning("job %s is still running; this run is skipped", event.job_id)


# ---------------------------------------------------------------------------------------------
# The scheduler


def build_scheduler(
    store_opener: StoreOpener,
    config,
    *,
    blocking: bool = True,
    settings: Settings | None = None,
    stop: threading.Event | None = None,
    memory: watch.Memory | None = None,
):
    """A scheduler (not started) with the jobs `scan` (due at start too) and `alerts`.

    `blocking`: BlockingScheduler (the foreground daemon) or BackgroundScheduler (tests,
    embedding). `stop` is handed to the scan so a shutdown ends it between files.
    """
    from apscheduler.events import (
        EVENT_JOB_ERROR,
        EVENT_JOB_MAX_INSTANCES,
        EVENT_JOB_MISSED,
    )
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if blocking:
        from apscheduler.schedulers.blocking import BlockingScheduler as Scheduler
    else:
        from apscheduler.schedulers.background import BackgroundScheduler as Scheduler

    settings = settings or load_settings(config)
    memory = memory if memory is not None else watch.Memory()
    scheduler = Scheduler(
        job_defaults={
            "coalesce": True,  # runs missed during sleep collapse into one
            "max_instances": 1,  # a long first scan is never overlapped by the next
            "misfire_grace_time": MISFIRE_GRACE_S,
        }
    )
    start = datetime.now(timezone.utc)
    scheduler.add_job(
        run_scan,
        IntervalTrigger(seconds=settings.scan_every_s),
        id=JOB_SCAN,
        name="scan watched folders",
        next_run_time=start,
        kwargs={
            "store_opener": store_opener,
            "config": config,
            "settings": settings,
            "memory": memory,
            "stop": stop,
        },
    )
    scheduler.add_job(
        run_alerts,
        CronTrigger(hour=settings.alert_check.hour, minute=settings.alert_check.minute),
        id=JOB_ALERTS,
        name="check alerts",
        kwargs={"store_opener": store_opener, "config": config},
    )
    scheduler.add_listener(
        log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
    )
    return scheduler


def run_once(
    store_opener: StoreOpener,
    config,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> bool:
    """Run each job once, scan then alerts (`shoetrack daemon --once`, e.g. from cron). A job
    that fails is logged and the other still runs. Returns True when both succeeded."""
    settings = settings or load_settings(config)
    ok = True

    def scan():
        r = run_scan(store_opener, config, settings=settings, now=now, alerts_after=False)
        scanned = sum(1 for w in r.watches if w.status == "scanned")
        log.info(
            "scan: %d of %d folder(s) scanned, %d file(s) read, %d imported, %d failed, "
            "%d waiting to settle",
            scanned,
            len(r.watches),
            len(r.files),
            r.count("imported"),
            r.count("failed"),
            len(r.settling),
        )

    def check():
        raised, attempts = run_alerts(store_opener, config, now=now)
        log.info(
            "alerts: %d raised, %d of %d deliveries sent",
            len(raised.notified),
            sum(1 for a in attempts if a.ok),
            len(attempts),
        )

    for name, job in ((JOB_SCAN, scan), (JOB_ALERTS, check)):
        try:
            job()
        except ShoetrackError as e:
            log.error("job %s failed: %s", name, e)
            ok = False
        except Exception:  # a bug: logged with its traceback; the other job still runs
            log.exception("job %s failed", name)
            ok = False
    return ok


def serve(store_opener: StoreOpener, config, *, settings: Settings | None = None) -> None:
    """Run the daemon in the foreground until SIGTERM or SIGINT, which shut the scheduler down
    after the job in hand (a scan stops after the file it is importing)."""
    settings = settings or load_settings(config)
    stop = threading.Event()
    scheduler = build_scheduler(store_opener, config, blocking=True, settings=settings, stop=stop)

    def on_signal(signum, frame):
        if stop.is_set():
            log.info("already stopping; waiting for the running job to finish")
            return
        stop.set()
        log.info("%s received: stopping", signal.Signals(signum).name)
        if (
            not scheduler.running
        ):  # the signal came before the scheduler started: nothing to wait for
            raise SystemExit(0)
        scheduler.shutdown(wait=True)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("started: %s", settings.describe())
        scheduler.start()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    log.info("stopped")
