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
    """Import GPX, FIT and TCX files (plain or .gz), and folders of them (recursively).

    Each activity goes on the pair you name with --shoe, else the first matching rule, else the
    pair that is default for its sport and in use on that date; otherwise it waits unassigned.
    A file already imported, or the same activity in another format, is a duplicate. A bad file
    is logged with its reason and skipped; the exit status is 1 if any file failed.
    """
    from shoetrack import ingest
    from shoetrack.cli import notices

    shoe = shoe_arg(app, shoe_ref) if shoe_ref else None
    when_day = day(when, "--date")
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
