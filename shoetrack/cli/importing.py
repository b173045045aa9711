"""`shoetrack import` and `shoetrack imports` (the import log)."""

from __future__ import annotations

import contextlib
import os
import sys
from functools import partial
from typing import TYPE_CHECKING

import click

from shoetrack.cli.base import (
    App,
    cli,
    day,
    emit_json,
    emit_json_list,
    fmt_dist,
    json_option,
    pass_app,
    plural,
    shoe_arg,
    table,
)

# Light (os and text only): how a stored path is shown, for every command that lists files.
from shoetrack.ingest.paths import escaped, shown

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@cli.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=True, dir_okay=True)
)
@click.option(
    "--shoe", "shoe_ref", metavar="NAME", help="Put every run in these files on this pair."
)
@click.option(
    "--date", "when", metavar="DATE", help="Date for GPX files without timestamps (YYYY-MM-DD)."
)
@click.option(
    "--sport",
    metavar="SPORT",
    help="Sport for activities whose file does not say it (an untyped GPX).",
)
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: on when stderr is a terminal).",
)
@json_option
@pass_app
def import_cmd(app: App, paths, shoe_ref, when, sport, dry_run, progress, as_json):
    """Import GPX, FIT and TCX files (plain or .gz), and folders of them (recursively); and
    Strava, Garmin Connect and Apple Health exports (the zip or its folder), with each
    activity's pair as the export records it.

    Each activity goes on the pair you name with --shoe, else the first matching rule, else the
    pair that is default for its sport and in use on that date; otherwise it waits unassigned.
    A file already imported, or the same activity in another format, is a duplicate; with --shoe
    its activity goes on that pair. A file changed since its import replaces its activities
    (keeping the pair you chose). Paths are stored absolute. A bad file, or one that is not a
    regular file (a FIFO, a device), is logged with its reason and skipped; the exit status is 1
    if any file failed.

    \b
    Examples:
      shoetrack import ~/Downloads/export
      shoetrack import ride.gpx --sport cycling
      shoetrack import old-run.fit --shoe pegasus
    """
    from shoetrack.cli import notices
    from shoetrack.ingest import pipeline

    shoe = shoe_arg(app, shoe_ref) if shoe_ref else None
    if sport is not None:  # the activity commands' module, loaded only for --sport
        from shoetrack.cli.activity import sport_arg

        sport = sport_arg(sport)
    when_day = day(when, "--date")
    if _has_export(paths):
        return import_with_exports(app, paths, shoe, when_day, sport, dry_run, progress, as_json)
    files = pipeline.collect(paths)
    show_bar = progress if progress is not None else (sys.stderr.isatty() and not as_json)
    with notices.watch(app) as levels:
        bar = _import_bar(len(files)) if show_bar and files else None
        with bar if bar is not None else contextlib.nullcontext():
            report = pipeline.import_paths(
                app.store,
                paths,
                shoe=shoe,
                when=when_day,
                dry_run=dry_run,
                sport=sport,
                progress=None if bar is None else partial(bar.update, 1),
                files=files,
            )
    if as_json:
        emit_json(report.to_json())
    else:
        summary(app, report)
        if not dry_run:
            levels.report()
    if report.failed:
        sys.exit(1)


def _import_bar(length: int) -> ProgressBar[str]:
    """The import's progress bar on stderr, naming the file being read."""

    def item(p: str | None) -> str | None:
        return shown(escaped(os.path.basename(p))) if p else None

    return click.progressbar(
        length=length, label="Importing", file=sys.stderr, show_pos=True, item_show_func=item
    )


def summary(app: App, report) -> None:
    """The import report for people: counts, miles per pair, then one line per file worth a look.
    A dry run suggests no command: what it would have stored is not there to look at."""
    prefix = "Would import" if report.dry_run else "Imported"
    n_acts = sum(len(f.activities) for f in report.files if f.status == "imported")
    click.echo(
        f"{prefix} {plural(report.count('imported'), 'file')} "
        f"({plural(n_acts, 'activity', 'activities')}); "
        f"{report.count('duplicate')} duplicate, {report.count('not-activity')} not an activity, "
        f"{report.count('failed')} failed."
    )
    for name, meters in sorted(report.by_shoe().items()):
        click.echo(f"  {name}: +{fmt_dist(app, meters)}")
    unassigned = [line for f in report.files for line in f.unassigned]
    if unassigned:
        hint = "" if report.dry_run else " (see `shoetrack activities --unassigned`)"
        click.echo(f"  {plural(len(unassigned), 'activity', 'activities')} on no pair{hint}:")
        for line in unassigned[:10]:
            click.echo(f"    {line}")
        if len(unassigned) > 10:
            click.echo(f"    ... and {len(unassigned) - 10} more")
    for f in report.files:
        _file_lines(f, report.dry_run)
    for f in report.failed:
        click.echo(f"  failed: {shown(f.path)}: {f.reason}", err=True)


def _file_lines(f, dry_run: bool) -> None:
    from shoetrack.ingest.pipeline import SAME_FILE

    # The path is shown only in a line printed: most files of a large import print none.
    if f.replaced:
        verb = "would be" if dry_run else ("was" if f.replaced == 1 else "were")
        click.echo(
            f"  changed since its import: {shown(f.path)}: its "
            f"{plural(f.replaced, 'earlier activity', 'earlier activities')} {verb} replaced by the new content"
        )
    if f.status == "imported" and f.reason:
        click.echo(f"  imported with a warning: {shown(f.path)}: {f.reason}")
    elif f.status == "duplicate" and f.reason != SAME_FILE:
        click.echo(f"  duplicate: {shown(f.path)}: {f.reason}")
    elif f.status == "not-activity":
        click.echo(
            f"  not an activity: {shown(f.path)}"
            f" ({(f.reason or '').removeprefix('not an activity: ')})"
        )
    for note in f.notes:  # a dry run's assignments are rolled back: say what would happen
        click.echo(
            f"  {shown(f.path)}:"
            f" {note.replace('now counts on', 'would count on') if dry_run else note}"
        )
    if not dry_run:
        for activity_id, sport in f.inferred:
            click.echo(
                f"  #{activity_id}: sport inferred: {sport}; if wrong: "
                f"`shoetrack activity sport {activity_id} SPORT`"
            )


def _has_export(paths) -> bool:
    from shoetrack.exports import is_export

    return any(is_export(p) for p in paths)


class _ExportBar:
    """A progress bar per export, opened once the export's size (activities listed) is known."""

    def __init__(self, on: bool):
        self.on = on
        self.bar: ProgressBar[int] | None = None

    def total(self, n: int) -> None:
        self.close()
        if self.on and n:
            self.bar = click.progressbar(
                length=n, label="Importing", file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()

    def step(self, _name: str) -> None:
        # length is always set (total() gives it), click types it Optional for iterable bars
        if self.bar is not None and self.bar.length is not None and self.bar.pos < self.bar.length:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def import_with_exports(app: App, paths, shoe, when_day, sport, dry_run, progress, as_json) -> None:
    """`shoetrack import` when a path is an export: each export through shoetrack.exports, the
    other paths as usual, one summary (and one transaction rolled back for --dry-run)."""
    import sqlite3

    from shoetrack import exports
    from shoetrack.cli import notices
    from shoetrack.errors import ShoetrackError, UsageProblem
    from shoetrack.exports.run import import_export
    from shoetrack.ingest import pipeline

    if shoe is not None:
        raise UsageProblem("--shoe does not apply to an export: its own gear names each pair")
    archives = [p for p in paths if exports.is_export(p)]
    files = pipeline.collect([p for p in paths if p not in archives])
    report, results = pipeline.Report(dry_run=dry_run), []
    bar = _ExportBar(progress if progress is not None else (sys.stderr.isatty() and not as_json))

    def run():
        for p in archives:
            results.append(import_export(app.store, p, progress=bar.step, total=bar.total))
            report.files.extend(results[-1].files)
        bar.close()
        if files:
            report.files.extend(
                pipeline.import_paths(app.store, [], when=when_day, sport=sport, files=files).files
            )

    with notices.watch(app) as levels:
        if dry_run:
            try:
                app.store.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:  # the daemon writing: one line, not a traceback
                raise ShoetrackError(f"database {app.store.path}: {e}") from None
            try:
                run()
            finally:
                app.store.conn.execute("ROLLBACK")
        else:
            run()
    if as_json:
        emit_json({**report.to_json(), "exports": [r.to_json() for r in results]})
    else:
        summary(app, report)
        export_summary(app, results, dry_run)
        if not dry_run:
            levels.report()
    if report.failed:
        sys.exit(1)


def export_summary(app: App, results, dry_run: bool) -> None:
    """The pairs each export created or matched with the distance each received from it, and
    the export's notes."""
    for r in results:
        got: dict[str, float] = {}
        for f in r.files:
            for name, meters in f.by_shoe.items():
                got[name] = got.get(name, 0.0) + meters

        def listed(names, got=got):
            return ", ".join(f"{n} (+{fmt_dist(app, got.get(n, 0.0))})" for n in names)

        if r.created:
            verb = "Would create" if dry_run else "Created"
            click.echo(
                f"{verb} {plural(len(r.created), 'pair')} from the {r.kind} export: {listed(r.created)}"
            )
        if r.matched:
            click.echo(f"Matched {plural(len(r.matched), 'existing pair')}: {listed(r.matched)}")
        for note in r.notes[:10]:
            click.echo(f"  note: {note}")
        if len(r.notes) > 10:
            click.echo(f"  ... and {len(r.notes) - 10} more notes")


@cli.command("imports")
@click.option("--failed", "only_failed", is_flag=True, help="Only files that failed.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="0 = all.")
@json_option
@pass_app
def imports_cmd(app: App, only_failed, limit, as_json):
    """The import log: every file seen (one row per path), its status and reason, newest first.
    Paths under your home folder show as ~/...; control characters in names are escaped."""
    found = app.store.rows(log_sql(only_failed, limit))
    if as_json:
        emit_json_list(({**r, "retry": bool(r["retry"])} for r in found), rows=True)
        return
    rows = list(found)
    if not rows:
        click.echo("No failed imports." if only_failed else "Nothing imported yet.")
        return
    table(
        [
            [
                r["id"],
                r["imported_at"][:16].replace("T", " "),
                r["status"],
                r["format"] or "-",
                r["activities"],
                shown(r["path"]),
                shown(r["reason"]),
            ]
            for r in rows
        ],
        ["id", "when (UTC)", "status", "format", "acts", "path", "reason"],
        align="rlllrll",
    )
    total = app.store.scalar("SELECT count(*) FROM files f" + _log_where(only_failed))
    if total > len(rows):
        click.echo(f"… {total - len(rows)} more (--limit 0)")


def _log_where(only_failed: bool) -> str:
    return " WHERE f.status = 'failed'" if only_failed else ""


def log_sql(only_failed: bool, limit: int | None) -> str:
    """The import log's query, newest first. That is index order (files_imported_at, or
    files_status_imported_at for the failed ones), so the newest rows come without sorting the
    whole log, and a listing of every file streams."""
    sql = (
        "SELECT f.id, f.path, f.format, f.status, f.reason, f.imported_at, f.size, f.sha256,"
        " f.retry, (SELECT count(*) FROM activities a WHERE a.file_id = f.id) AS activities"
        f" FROM files f{_log_where(only_failed)} ORDER BY f.imported_at DESC, f.id DESC"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return sql
