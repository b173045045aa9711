"""`shoetrack log`, `shoetrack activities` and `shoetrack activity ...`."""

from __future__ import annotations

from typing import overload

import click

from shoetrack.cli.base import (
    App,
    cli,
    day,
    distance,
    emit_json_list,
    fmt_dist,
    json_option,
    local_day,
    pass_app,
    shoe_arg,
    table,
)
from shoetrack.errors import ShoetrackError


@overload
def sport_arg(text: str) -> str: ...
@overload
def sport_arg(text: str | None) -> str | None: ...
def sport_arg(text: str | None) -> str | None:
    if text is None:
        return None
    from shoetrack.sports import parse_sport

    try:
        return parse_sport(text)
    except ShoetrackError as e:
        raise click.BadParameter(str(e), param_hint="--sport") from None


@cli.command("log")
@click.argument("distance_text", metavar="DISTANCE")
@click.option(
    "--shoe", "shoe_ref", metavar="NAME", help="The pair worn (default: the sport's default pair)."
)
@click.option(
    "--date",
    "when",
    metavar="DATE",
    default="today",
    show_default=True,
    help="YYYY-MM-DD, YYYY-MM-DDTHH:MM (local), today or yesterday.",
)
@click.option("--duration", metavar="TIME", help="Elapsed time, e.g. 52:30 or 1:02:03.")
@click.option(
    "--sport",
    default="run",
    show_default=True,
    help="run, trail_run, treadmill_run, track_run, walk, hike, or cross-training.",
)
@click.option("--note", help="Free text.")
@pass_app
def log_cmd(app: App, distance_text, shoe_ref, when, duration, sport, note):
    """Log an activity by hand (a treadmill run, a run without a watch).

    DISTANCE accepts mi, km, k and m (5mi, 10k, 800m), marathon and half; a bare number is in
    the configured unit.

    \b
    Examples:
      shoetrack log 5mi
      shoetrack log 10k --shoe pegasus --date 2026-11-20 --duration 52:30 --sport trail_run
    """
    from importers.model import Activity
    from shoetrack import activities
    from shoetrack.units import parse_duration, parse_when

    meters = distance(app, distance_text)
    sport = sport_arg(sport)
    try:
        start = parse_when(when)
    except ShoetrackError as e:
        raise click.BadParameter(str(e), param_hint="--date") from None
    seconds = None
    if duration:
        try:
            seconds = parse_duration(duration)
        except ShoetrackError as e:
            raise click.BadParameter(str(e), param_hint="--duration") from None
    shoe = shoe_arg(app, shoe_ref) if shoe_ref else None
    act = Activity(
        start=start,
        sport=sport,
        distance_m=meters,
        source="manual",
        elapsed_s=seconds,
        moving_s=seconds,
    )
    from shoetrack.cli import notices

    with notices.watch(app) as levels:
        activity_id, choice = activities.add_and_attribute(app.store, act, shoe=shoe, note=note)
    what = f"{fmt_dist(app, meters)} {sport} on {local_day(activities.get(app.store, activity_id)['start'])}"
    if choice.shoe:
        click.echo(f"Logged #{activity_id}: {what} on {choice.shoe.name} ({choice.reason}).")
    else:
        click.echo(f"Logged #{activity_id}: {what}, not counted on any pair: {choice.reason}.")
    levels.report()


@cli.command("activities")
@click.option("--shoe", "shoe_ref", metavar="NAME", help="Only activities on this pair.")
@click.option("--sport", help="Only this sport.")
@click.option("--from", "since", metavar="DATE", help="From this date (inclusive).")
@click.option("--to", "until", metavar="DATE", help="Up to this date (inclusive).")
@click.option("--unassigned", is_flag=True, help="Only activities on no pair.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="0 = all.")
@json_option
@pass_app
def activities_cmd(app: App, shoe_ref, sport, since, until, unassigned, limit, as_json):
    """List activities, newest first, with the pair each counts on and why."""
    from shoetrack import activities
    from shoetrack.units import format_duration

    since, until = day(since, "--from"), day(until, "--to")
    if since and until and since > until:
        raise click.UsageError(f"--from {since} is after --to {until}")
    found = activities.rows(
        app.store,
        shoe=shoe_arg(app, shoe_ref) if shoe_ref else None,
        sport=sport_arg(sport),
        since=since,
        until=until,
        unassigned=unassigned,
        limit=limit or None,
    )
    if as_json:
        emit_json_list(
            (
                {
                    **r,
                    "ignored": bool(r["ignored"]),
                    "recovered": bool(r["recovered"]),
                    "sport_inferred": bool(r["sport_inferred"]),
                }
                for r in found
            ),
            rows=True,
        )
        return
    rows = list(found)  # the table's column widths need every row
    if not rows:
        click.echo("No activities match.")
        return
    table(
        [
            [
                r["id"],
                local_day(r["start"]),
                r["sport"],
                fmt_dist(app, r["distance_m"]),
                format_duration(r["elapsed_s"]),
                r["shoe"] or ("(ignored)" if r["ignored"] else "-"),
                r["assigned_by"] or "",
                r["source"],
                r["name"] or r["note"] or "",
            ]
            for r in rows
        ],
        ["id", "date", "sport", "distance", "time", "shoe", "why", "source", "name"],
        align="rllrrllll",
    )


@cli.group("activity")
def activity():
    """Assign, unassign or delete one activity (by the id `activities` shows)."""


@activity.command("assign")
@click.argument("activity_id", type=int)
@click.argument("shoe_ref", metavar="SHOE")
@pass_app
def activity_assign(app: App, activity_id, shoe_ref):
    """Put activity ACTIVITY_ID on pair SHOE (a manual choice: automation never overrides it)."""
    from shoetrack import activities
    from shoetrack.cli import notices

    shoe = shoe_arg(app, shoe_ref)
    with notices.watch(app) as levels:
        activities.assign(app.store, activity_id, shoe)
    a = activities.get(app.store, activity_id)
    click.echo(
        f"Activity #{activity_id} ({fmt_dist(app, a['distance_m'])} on {local_day(a['start'])}) "
        f"now counts on {shoe.name}."
    )
    levels.report()


@activity.command("unassign")
@click.argument("activity_id", type=int)
@pass_app
def activity_unassign(app: App, activity_id):
    """Take activity ACTIVITY_ID off its pair."""
    from shoetrack import activities
    from shoetrack.cli import notices

    with notices.watch(app) as levels:
        prev = activities.unassign(app.store, activity_id)
    if prev:
        click.echo(f"Activity #{activity_id} no longer counts on {prev['name']}.")
    else:
        click.echo(f"Activity #{activity_id} was not on any pair.")
    levels.report()


@activity.command("delete")
@click.argument("activity_id", type=int)
@pass_app
def activity_delete(app: App, activity_id):
    """Delete activity ACTIVITY_ID (re-importing its file brings it back)."""
    from shoetrack import activities
    from shoetrack.cli import notices

    with notices.watch(app) as levels:
        row = activities.delete(app.store, activity_id)
    click.echo(
        f"Deleted activity #{activity_id} ({fmt_dist(app, row['distance_m'])} {row['sport']} "
        f"on {local_day(row['start'])})."
    )
    levels.report()


@activity.command("sport")
@click.argument("activity_id", type=int)
@click.argument("sport_text", metavar="SPORT")
@pass_app
def activity_sport(app: App, activity_id, sport_text):
    """Set the sport of activity ACTIVITY_ID (fixes a sport the import inferred) and work out
    again which pair it counts on.

    A pair you chose stays while the sport still wears shoes; cross-training (cycling,
    swimming...) never wears shoes, so it comes off its pair.

    \b
    Examples:
      shoetrack activity sport 12 cycling
      shoetrack activity sport 12 trail_run
    """
    from shoetrack.cli import notices
    from shoetrack.ingest import pipeline

    sport = sport_arg(sport_text)
    with notices.watch(app) as levels:
        change = pipeline.set_sport(app.store, activity_id, sport)
    old = change.before["sport"]
    head = (
        f"Activity #{activity_id} ({fmt_dist(app, change.before['distance_m'])} on "
        f"{local_day(change.before['start'])}): {old} -> {sport}"
    )
    if change.choice.shoe:
        moved = f" (off {change.came_off})" if change.came_off else ""
        click.echo(f"{head}; counts on {change.choice.shoe.name}{moved} ({change.choice.reason}).")
    elif change.came_off:
        click.echo(f"{head}; no longer counts on {change.came_off}: {change.choice.reason}.")
    else:
        click.echo(f"{head}; not counted on any pair: {change.choice.reason}.")
    levels.report()
