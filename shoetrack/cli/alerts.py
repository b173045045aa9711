"""`shoetrack alerts [list|check|snooze]` and `shoetrack notify test`.

The clock is the real one; the hidden environment variable SHOETRACK_NOW (ISO-8601 UTC, e.g.
2026-12-01T08:00:00Z) replaces it for these commands only, so tests can move time forward
(reminders come 10 days apart). It is read here and nowhere else.
"""

from __future__ import annotations

import os

import click

from shoetrack.cli.base import (
    App,
    cli,
    emit_json,
    fmt_dist,
    json_option,
    pass_app,
    plural,
    shoe_arg,
    table,
)
from shoetrack.config import CHANNELS
from shoetrack.errors import ShoetrackError


def _now():
    from datetime import datetime, timezone

    raw = os.environ.get("SHOETRACK_NOW")
    if not raw:
        return datetime.now(timezone.utc)
    from shoetrack.units import from_iso

    try:
        when = from_iso(raw)
    except ValueError:
        raise ShoetrackError(f"SHOETRACK_NOW={raw!r} is not an ISO-8601 time") from None
    if when.tzinfo is None:
        raise ShoetrackError(f"SHOETRACK_NOW={raw!r} has no time zone (end it with Z)")
    return when.astimezone(timezone.utc)


def _local(stamp: str | None) -> str:
    """'2026-11-25 08:00' in the runner's time zone, for a stored UTC time."""
    if not stamp:
        return "-"
    from shoetrack.units import from_iso

    return from_iso(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


@cli.group("alerts", invoke_without_command=True)
@json_option
@click.pass_context
def alerts_group(ctx, as_json):
    """Replacement alerts: list them, check what is due, snooze reminders.

    Without a subcommand, lists the alerts raised so far (like `alerts list`). A pair is alerted
    once per level: approaching (within 10% of its warn distance or forecast to reach it within
    14 days), window (past warn), replace (past replace), age (past its age limit), and then a
    reminder at most every 10 days while it is past 115% of replace and still worn.

    \b
    Examples:
      shoetrack alerts
      shoetrack alerts check
      shoetrack alerts snooze "Pegasus 40" --days 14
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list, as_json=as_json)


@alerts_group.command("list")
@json_option
@pass_app
def alerts_list(app: App, as_json):
    """List raised alerts, newest first, with their delivery state per channel.

    Delivery: "email sent", "desktop failed" (retried), "covered by replace" (a lower level
    reached together with a higher one: recorded, not sent), "no channel" (none was enabled).

    \b
    Example:
      shoetrack alerts list --json
    """
    from shoetrack.alerts import outbox, planning

    rows = planning.listing(app.store)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No alerts raised yet; `shoetrack alerts check` raises what is due.")
        return
    table(
        [
            [
                a["id"],
                a["shoe"],
                a["level"],
                fmt_dist(app, a["distance_m"]),
                _local(a["raised_at"]),
                f"re-armed {_local(a['rearmed_at'])[:10]}" if a["rearmed_at"] else "active",
                _delivery_cell(a),
            ]
            for a in rows
        ],
        ["#", "pair", "level", "distance", "raised", "state", "delivery"],
        align="rllrlll",
    )
    waiting = outbox.pending(app.store)
    if waiting:
        on = app.config.enabled_channels()
        click.echo(f"\nOutbox: {plural(len(waiting), 'message')} not sent yet:")
        for d in waiting:
            click.echo(f"  #{d['id']} {d['channel']}: {_waiting(d, on)}")


def _waiting(d: dict, on: list[str]) -> str:
    if d["channel"] not in on:
        return f"held: {d['channel']} is turned off in the config (sent when it is turned on again)"
    if d["status"] == "failed":
        return (
            f"failed {plural(d['attempts'], 'time')}, next try "
            f"{_local(d['next_attempt_at'])}: {d['last_error']}"
        )
    return "not tried yet"


def _delivery_cell(a: dict) -> str:
    if a["deliveries"]:
        return ", ".join(f"{d['channel']} {d['status']}" for d in a["deliveries"])
    if a["covered_by"]:
        return f"covered by {a['covered_by']}"
    return "no channel"


@alerts_group.command("check")
@pass_app
def alerts_check(app: App):
    """Raise the alerts due now and deliver every queued message now.

    Prints one line per raised alert and one per delivery attempt. Several alerts due together
    go out as one message per channel. A delivery that fails stays queued (with its reason, see
    `shoetrack alerts`) and is retried by the next check; the command then exits with status 1
    so that cron or a script notices.

    \b
    Example:
      shoetrack alerts check
    """
    from shoetrack.alerts import planning

    now = _now()
    # A person is watching: try everything now, ignoring the retry backoff of automatic checks.
    check = planning.check(app.store, app.config, now, force=True)
    raised, attempts = check.raised, check.attempts
    for r in raised.rearmed:
        click.echo(f"Re-armed: {r['shoe']} {r['level']} (activities moved off; it can fire again)")
    covered: dict[str, list] = {}
    for d in raised.covered:
        covered.setdefault(d.status.shoe.name, []).append(d.level)
    for d in raised.notified:
        click.echo(f"Raised: {d.message}")
        if d.status.shoe.name in covered and d.level in planning.WEAR_LEVELS:
            click.echo(
                f"  (also passed {', '.join(covered.pop(d.status.shoe.name))}: "
                "recorded, not sent separately)"
            )
    for la in raised.load:
        click.echo(f"Raised: {la.message}")
    if raised.notified and not raised.channels:
        click.echo(
            "No delivery channel is enabled: set [email] enabled = true, "
            "[desktop] enabled = true or [push] urls in the config."
        )
    for a in attempts:
        click.echo(a.line())
    if not raised.notified and not raised.rearmed and not attempts:
        click.echo("Nothing due; the outbox is empty.")
    unsent = [a for a in attempts if a.outcome in ("failed", "skipped")]
    if unsent:
        raise ShoetrackError(
            f"{len(unsent)} of {plural(len(attempts), 'delivery', 'deliveries')} not sent; "
            "queued for the next check"
        )


@alerts_group.command("snooze")
@click.argument("name")
@click.option(
    "--days", type=click.IntRange(1, 3650), metavar="N", help="Hold reminders for N days."
)
@click.option("--clear", is_flag=True, help="End the snooze now.")
@pass_app
def alerts_snooze(app: App, name, days, clear):
    """Hold the reminders of pair NAME for N days (or end that with --clear).

    Only reminders are held: a pair reaching its window, replace distance or age limit is still
    reported once.

    \b
    Examples:
      shoetrack alerts snooze "Pegasus 40" --days 14
      shoetrack alerts snooze "Pegasus 40" --clear
    """
    from shoetrack.alerts import planning

    if (days is None) == (not clear):
        raise click.UsageError("give either --days N or --clear")
    shoe = shoe_arg(app, name)
    until = planning.snooze(app.store, shoe, None if clear else days, _now())
    if until is None:
        click.echo(f"Reminders for {shoe.name} resume.")
    else:
        click.echo(f"Reminders for {shoe.name} held until {_local(until)}.")


@cli.group("notify")
def notify_group():
    """Check the notification channels."""


@notify_group.command("test")
@click.option(
    "--channel",
    type=click.Choice(list(CHANNELS)),
    help="The channel to try (default: every enabled channel).",
)
@pass_app
def notify_test(app: App, channel):
    """Send a test message through a channel now and say exactly what happened.

    Without --channel, every enabled channel is tried. Email uses the [email] settings and the
    password from SHOETRACK_SMTP_PASSWORD or the system keyring; desktop uses the D-Bus session
    bus; push sends to every URL of [push] urls through apprise. Exit status 1 with the reason
    when a message could not be sent.

    \b
    Examples:
      shoetrack notify test
      shoetrack notify test --channel email
      shoetrack notify test --channel push
    """
    from shoetrack.notify import DeliveryError, send_test

    on = app.config.enabled_channels()
    channels = [channel] if channel else on
    if not channels:
        raise ShoetrackError(
            "no channel is enabled: set [email] enabled = true, "
            "[desktop] enabled = true or [push] urls in the config"
        )
    now = _now()
    failed = []
    for name in channels:
        try:
            click.echo(send_test(app.config, name, now))
        except DeliveryError as e:
            if len(channels) == 1:
                raise ShoetrackError(f"{name} not sent: {e}") from None
            failed.append(name)
            click.echo(f"{name} not sent: {e}", err=True)
        if name not in on:
            click.echo(
                f"Note: alerts do not use {name} yet; set [{name}] enabled = true in the config."
            )
    if failed:
        raise ShoetrackError(
            f"{len(failed)} of {plural(len(channels), 'channel')} not reached: {', '.join(failed)}"
        )
