"""`shoetrack watch add|list|remove|scan` and `shoetrack daemon [--once]`."""

from __future__ import annotations

import logging
import sys

import click

from shoetrack.cli.base import App, cli, emit_json, json_option, pass_app, plural, table


def _local(stamp: str | None) -> str:
    if not stamp:
        return "never"
    from shoetrack.units import from_iso

    return from_iso(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


@cli.group("watch")
def watch_group():
    """Watched folders: new activity files in them are imported automatically.

    `shoetrack daemon` scans them every few minutes (`[daemon] scan_every`, default 5m);
    `shoetrack watch scan` scans them once now. A file is read only after it has been unchanged
    for `[daemon] settle` (default 60s), so a file still being copied is never read half-written.
    A folder that is missing (a watch unplugged) is skipped until it is back.

    \b
    Examples:
      shoetrack watch add ~/Garmin/Activities
      shoetrack watch add /media/$USER/GARMIN/GARMIN/Activity --no-recursive
      shoetrack watch list
      shoetrack watch scan
      shoetrack watch remove 2
    """


@watch_group.command("add")
@click.argument("folder")
@click.option(
    "--recursive/--no-recursive", default=True, show_default=True, help="Also scan subfolders."
)
@click.option(
    "--sport",
    metavar="SPORT",
    help="Sport for files in it that do not say theirs (an untyped GPX).",
)
@pass_app
def watch_add(app: App, folder, recursive, sport):
    """Watch FOLDER for new GPX, FIT and TCX files (plain or .gz).

    The folder must exist now; it is stored as an absolute path. Files already in it are imported
    by the next scan (files imported before are recognised and not read again).

    \b
    Examples:
      shoetrack watch add ~/Garmin/Activities
      shoetrack watch add ~/Dropbox/Apps/WahooFitness --no-recursive
    """
    from shoetrack.cli.activity import sport_arg
    from shoetrack.ingest import watch

    w = watch.add(app.store, folder, recursive=recursive, sport=sport_arg(sport))
    click.echo(
        f"Watching {w.folder} (#{w.id}{'' if w.recursive else ', not subfolders'}"
        f"{f'; untyped files are {w.sport}' if w.sport else ''})."
    )
    parent = watch.covering(app.store, w)
    if parent:
        click.echo(
            f"  Note: it is inside {parent.folder} (#{parent.id}), which is already "
            "watched with subfolders."
        )
    click.echo(
        "  `shoetrack watch scan` imports what is there now; `shoetrack daemon` keeps watching."
    )


@watch_group.command("list")
@json_option
@pass_app
def watch_list(app: App, as_json):
    """List watched folders with their last scan and whether they are present now.

    \b
    Examples:
      shoetrack watch list
      shoetrack watch list --json
    """
    from shoetrack.ingest import watch

    watches = watch.all_watches(app.store)
    if as_json:
        emit_json([w.to_json() for w in watches])
        return
    if not watches:
        click.echo("No watched folders; add one with `shoetrack watch add FOLDER`.")
        return
    table(
        [
            [
                w.id,
                w.folder,
                "yes" if w.recursive else "no",
                ("present" if w.exists else "missing") if w.enabled else "disabled",
                _local(w.last_scan),
            ]
            for w in watches
        ],
        ["#", "folder", "subfolders", "state", "last scan"],
        align="rllll",
    )


@watch_group.command("remove")
@click.argument("ref", metavar="FOLDER|ID")
@pass_app
def watch_remove(app: App, ref):
    """Stop watching a folder (by its path or its # from `watch list`).

    Activities already imported from it are kept.

    \b
    Examples:
      shoetrack watch remove ~/Garmin/Activities
      shoetrack watch remove 2
    """
    from shoetrack.ingest import watch

    w = watch.remove(app.store, ref)
    click.echo(f"No longer watching {w.folder} (#{w.id}); its imported activities stay.")


@watch_group.command("scan")
@click.option(
    "--settle",
    metavar="DURATION",
    help="Read files unchanged for this long (default `[daemon] settle`, 60s); "
    "0s reads everything now.",
)
@json_option
@pass_app
def watch_scan(app: App, settle, as_json):
    """Scan the watched folders once now and import new files.

    Prints the same summary as `shoetrack import`. Files not changed since they were imported
    are not read again. Exit status 1 if a file failed to import.

    \b
    Examples:
      shoetrack watch scan
      shoetrack watch scan --settle 0s --json
    """
    from shoetrack.cli import notices
    from shoetrack.cli.importing import summary
    from shoetrack.config import BY_KEY
    from shoetrack.errors import ShoetrackError
    from shoetrack.ingest import watch
    from shoetrack.units import format_seconds

    if settle is not None:
        try:  # the same type and limits as the setting it overrides
            settle_s = BY_KEY["daemon.settle"].kind.parse(settle)
        except ShoetrackError as e:
            raise click.BadParameter(str(e), param_hint="--settle") from None
    else:
        settle_s = app.config.get("daemon.settle")
    with notices.watch(app) as levels:
        report = watch.scan(app.store, app.config, settle_s=settle_s)
    if as_json:
        emit_json(report.to_json())
    else:
        if not report.watches:
            click.echo("No watched folders; add one with `shoetrack watch add FOLDER`.")
        for w in report.skipped:
            click.echo(f"Skipped {w.folder}: {w.reason}")
        if report.files:
            summary(app, report)
            levels.report()
        elif report.watches:
            scanned = [w for w in report.watches if w.status == "scanned"]
            click.echo(
                f"No new files in {plural(len(scanned), 'folder')} "
                f"({report.unchanged} already seen)."
            )
        if report.settling:
            click.echo(
                f"Waiting for {plural(len(report.settling), 'file')} to settle "
                f"(unchanged for {format_seconds(settle_s)}); the next scan reads "
                f"{'it' if len(report.settling) == 1 else 'them'}:"
            )
            for p in report.settling[:10]:
                click.echo(f"  {p}")
            if len(report.settling) > 10:
                click.echo(f"  ... and {len(report.settling) - 10} more")
    if report.failed:
        sys.exit(1)


@cli.command("daemon")
@click.option(
    "--once",
    is_flag=True,
    help="Run each job once (scan, then alert check) and exit; for cron or a timer.",
)
@click.pass_context
def daemon_cmd(ctx, once):
    """Run in the foreground: scan watched folders and check alerts on a schedule.

    Jobs: `scan` at start and every `[daemon] scan_every` (default 5m) imports new files from
    the watched folders and, after the first scan or one that imported something, checks
    alerts at once; `alerts` daily at `[daemon] alert_check` (default 08:00, local time) raises
    due alerts and sends queued messages. Logs go to stderr; SIGTERM or Ctrl-C stops it after
    the file in hand. See docs/daemon.md for running it as a service.

    With --once, exit status 1 when a job failed (logged on stderr).

    \b
    Examples:
      shoetrack daemon
      shoetrack -v daemon --once
      systemctl --user enable --now shoetrack      # with examples/shoetrack.service
    """
    from shoetrack import daemon
    from shoetrack.store import open_store

    app: App = ctx.find_object(App)
    _setup_logging(ctx.find_root().params.get("verbose") or 0)
    settings = daemon.load_settings(app.config)  # a bad setting fails now, with one line
    db_path = app.db_path

    def opener():
        return open_store(db_path)

    # Apply migrations (and report an unusable database) now, not inside the first job.
    opener().close()
    log = logging.getLogger("shoetrack.daemon")
    log.info("database %s; config %s", db_path, app.config_path)
    if once:
        if not daemon.run_once(opener, app.config, settings=settings):
            sys.exit(1)
        return
    daemon.serve(opener, app.config, settings=settings)


def _setup_logging(verbose: int) -> None:
    """Diagnostics go to stderr (the journal under systemd), INFO and up from shoetrack."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    own = logging.getLogger("shoetrack")
    if own.getEffectiveLevel() > logging.INFO:
        own.setLevel(logging.INFO)
    if verbose < 2:
        # APScheduler's INFO lines ("Running job ...") every few minutes are noise; job errors
        # are logged once, by daemon.log_job_event, which names the job.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
