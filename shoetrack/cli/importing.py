"""`shoetrack import` and `shoetrack imports` (the import log)."""
from __future__ import annotations

import sys

import click

from shoetrack.cli.base import App, cli, day, emit_json, fmt_dist, json_option, pass_app, plural, shoe_arg, table


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--shoe", "shoe_ref", metavar="NAME", help="Put every run in these files on this pair.")
@click.option("--date", "when", metavar="DATE",
              help="Date for GPX files without timestamps (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: on when stderr is a terminal).")
@json_option
@pass_app
def import_cmd(app: App, paths, shoe_ref, when, dry_run, progress, as_json):
    """Import GPX, FIT and TCX files (plain or .gz), and folders of them (recursively); and
    Strava, Garmin Connect and Apple Health exports (the zip or its folder), with each
    activity's pair as the export records it.

    Each activity goes on the pair you name with --shoe, else the first matching rule, else the
    pair that is default for its sport and in use on that date; otherwise it waits unassigned.
    A file already imported, or the same activity in another format, is a duplicate. A bad file
    is logged with its reason and skipped; the exit status is 1 if any file failed.
    """
    from shoetrack import ingest
    from shoetrack.cli import notices

    shoe = shoe_arg(app, shoe_ref) if shoe_ref else None
    when_day = day(when, "--date")
    if _has_export(paths):
        return import_with_exports(app, paths, shoe, when_day, dry_run, progress, as_json)
    files = ingest.collect(paths)
    show_bar = progress if progress is not None else (sys.stderr.isatty() and not as_json)
    with notices.watch(app) as levels:
        if show_bar and files:
            with click.progressbar(length=len(files), label="Importing", file=sys.stderr,
                                   show_pos=True, item_show_func=lambda p: p.name if p else None) as bar:
                report = ingest.import_paths(app.store, paths, shoe=shoe, when=when_day, dry_run=dry_run,
                                             progress=lambda p: bar.update(1, p), files=files)
        else:
            report = ingest.import_paths(app.store, paths, shoe=shoe, when=when_day, dry_run=dry_run,
                                         files=files)
    if as_json:
        emit_json(report.to_json())
    else:
        summary(app, report)
        if not dry_run:
            levels.report()
    if report.failed:
        sys.exit(1)


def summary(app: App, report) -> None:
    from shoetrack.ingest import SAME_FILE

    prefix = "Would import" if report.dry_run else "Imported"
    n_acts = sum(len(f.activities) for f in report.files if f.status == "imported")
    click.echo(f"{prefix} {plural(report.count('imported'), 'file')} "
               f"({plural(n_acts, 'activity', 'activities')}); "
               f"{report.count('duplicate')} duplicate, {report.count('not-activity')} not an activity, "
               f"{report.count('failed')} failed.")
    for name, meters in sorted(report.by_shoe().items()):
        click.echo(f"  {name}: +{fmt_dist(app, meters)}")
    unassigned = [line for f in report.files for line in f.unassigned]
    if unassigned:
        click.echo(f"  {plural(len(unassigned), 'activity', 'activities')} on no pair "
                   "(see `shoetrack activities --unassigned`):")
        for line in unassigned[:10]:
            click.echo(f"    {line}")
        if len(unassigned) > 10:
            click.echo(f"    ... and {len(unassigned) - 10} more")
    for f in report.files:
        if f.status == "imported" and f.reason:
            click.echo(f"  imported with a warning: {f.path}: {f.reason}")
        elif f.status == "duplicate" and f.reason != SAME_FILE:
            click.echo(f"  duplicate: {f.path}: {f.reason}")
        elif f.status == "not-activity":
            click.echo(f"  not an activity: {f.path} ({(f.reason or '').removeprefix('not an activity: ')})")
    for f in report.failed:
        click.echo(f"  failed: {f.path}: {f.reason}", err=True)


def _has_export(paths) -> bool:
    from shoetrack.exports import is_export

    return any(is_export(p) for p in paths)


class _ExportBar:
    """A progress bar per export, opened once the export's size (activities listed) is known."""

    def __init__(self, on: bool):
        self.on, self.bar = on, None

    def total(self, n: int) -> None:
        self.close()
        if self.on and n:
            self.bar = click.progressbar(length=n, label="Importing", file=sys.stderr, show_pos=True)
            self.bar.__enter__()

    def step(self, _name: str) -> None:
        if self.bar is not None and self.bar.pos < self.bar.length:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def import_with_exports(app: App, paths, shoe, when_day, dry_run, progress, as_json) -> None:
    """`shoetrack import` when a path is an export: each export through shoetrack.exports, the
    other paths as usual, one summary (and one transaction rolled back for --dry-run)."""
    import sqlite3

    from shoetrack import exports, ingest
    from shoetrack.cli import notices
    from shoetrack.errors import ShoetrackError, UsageProblem
    from shoetrack.exports.run import import_export

    if shoe is not None:
        raise UsageProblem("--shoe does not apply to an export: its own gear names each pair")
    archives = [p for p in paths if exports.is_export(p)]
    files = ingest.collect([p for p in paths if p not in archives])
    report, results = ingest.Report(dry_run=dry_run), []
    bar = _ExportBar(progress if progress is not None else (sys.stderr.isatty() and not as_json))

    def run():
        for p in archives:
            results.append(import_export(app.store, p, progress=bar.step, total=bar.total))
            report.files.extend(results[-1].files)
        bar.close()
        if files:
            report.files.extend(ingest.import_paths(app.store, [], when=when_day, files=files).files)

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
        export_summary(results, dry_run)
        if not dry_run:
            levels.report()
    if report.failed:
        sys.exit(1)


def export_summary(results, dry_run: bool) -> None:
    """The pairs each export created or matched, and its notes (the distances each pair
    received are in the import summary above)."""
    for r in results:
        if r.created:
            verb = "Would create" if dry_run else "Created"
            click.echo(f"{verb} {plural(len(r.created), 'pair')} from the {r.kind} export: {', '.join(r.created)}")
        if r.matched:
            click.echo(f"Matched {plural(len(r.matched), 'existing pair')}: {', '.join(r.matched)}")
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
    """The import log: every file seen, its status and reason, newest first."""
    sql = ("SELECT f.id, f.path, f.format, f.status, f.reason, f.imported_at, f.size, f.sha256,"
           " (SELECT count(*) FROM activities a WHERE a.file_id = f.id) AS activities FROM files f")
    if only_failed:
        sql += " WHERE f.status = 'failed'"
    sql += " ORDER BY f.imported_at DESC, f.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = app.store.q(sql)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No failed imports." if only_failed else "Nothing imported yet.")
        return
    table([[r["id"], r["imported_at"][:16].replace("T", " "), r["status"], r["format"] or "-",
            r["activities"], r["path"], r["reason"] or ""] for r in rows],
          ["id", "when (UTC)", "status", "format", "acts", "path", "reason"], align="rlllrll")
