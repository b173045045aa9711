"""`shoetrack rule ...`, `shoetrack inbox` and `shoetrack reassign`: which pair each activity
counts on (docs/attribution.md)."""

from __future__ import annotations

import click

from shoetrack.cli.base import (
    App,
    cli,
    day,
    distance,
    emit_json,
    emit_json_list,
    fmt_dist,
    json_option,
    local_day,
    pass_app,
    plural,
    shoe_arg,
    table,
)
from shoetrack.errors import ShoetrackError


def _sport(text: str | None) -> str | None:
    from shoetrack.cli.activity import sport_arg

    return sport_arg(text)


def describe(app: App, rule: dict) -> str:
    """The conditions of a rule in the user's units: 'trail_run; 5.0 to 10.0 mi; sat, sun'."""
    import json

    from shoetrack.attribution.rules import WEEKDAYS

    parts = []
    if rule["sport"]:
        parts.append(rule["sport"])
    lo, hi = rule["min_distance_m"], rule["max_distance_m"]
    if lo is not None and hi is not None:
        parts.append(f"{fmt_dist(app, lo).split()[0]} to {fmt_dist(app, hi)}")
    elif lo is not None:
        parts.append(f"at least {fmt_dist(app, lo)}")
    elif hi is not None:
        parts.append(f"at most {fmt_dist(app, hi)}")
    if rule["device"]:
        parts.append(f"device {rule['device']}")
    if rule["weekdays"]:
        parts.append(", ".join(WEEKDAYS[d] for d in json.loads(rule["weekdays"])))
    if rule["path_pattern"]:
        parts.append(f"path {rule['path_pattern']}")
    return "; ".join(parts)


def reassign_hint(app: App) -> None:
    """After a rule change: say how many past activities it would move, without moving them
    (changing a rule never silently rewrites history)."""
    from shoetrack.attribution import reassign

    n = len(reassign.plan(app.store))
    if n:
        click.echo(
            f"{plural(n, 'past activity', 'past activities')} would change: run "
            "`shoetrack reassign` to review, `shoetrack reassign --apply` to apply."
        )


@cli.group("rule")
def rule_group():
    """Rules that put activities on a pair (first match wins, then the sport's default pair)."""


@rule_group.command("add")
@click.option(
    "--shoe", "shoe_ref", required=True, metavar="NAME", help="The pair matching activities go on."
)
@click.option("--sport", help="Only this sport (without it: the run sports, not walk or hike).")
@click.option(
    "--min", "min_text", metavar="DIST", help="At least this distance (inclusive), e.g. 10mi."
)
@click.option(
    "--max", "max_text", metavar="DIST", help="At most this distance (inclusive), e.g. 5k."
)
@click.option(
    "--device", metavar="GLOB", help="Device name: a glob (Forerunner*) or a word it contains."
)
@click.option(
    "--weekday",
    "weekdays",
    multiple=True,
    metavar="DAY",
    help="mon..sun; repeat for several days (--weekday sat --weekday sun).",
)
@click.option(
    "--path",
    "path_pattern",
    metavar="GLOB",
    help="File path: a glob (*/Trail/*) or a folder or file name anywhere in the path (Trail).",
)
@click.option(
    "--position", type=int, metavar="N", help="Where in the order (1 = tried first; default: last)."
)
@pass_app
def rule_add(
    app: App, shoe_ref, sport, min_text, max_text, device, weekdays, path_pattern, position
):
    """Add a rule. All its conditions must match; the pair must be in use on the activity's date.

    \b
    Examples:
      shoetrack rule add --shoe speedgoat --path '*/Trail/*'
      shoetrack rule add --shoe vaporfly --min 13mi --weekday sun
      shoetrack rule add --shoe walkers --sport walk --device 'Venu*'
    """
    from shoetrack.attribution import rules

    shoe = shoe_arg(app, shoe_ref)
    rule = rules.add(
        app.store,
        shoe,
        sport=_sport(sport),
        min_distance_m=distance(app, min_text, param="--min", allow_zero=True)
        if min_text
        else None,
        max_distance_m=distance(app, max_text, param="--max") if max_text else None,
        device=device,
        weekdays=list(weekdays),
        path_pattern=path_pattern,
        position=position,
    )
    click.echo(
        f"Added rule {rule['id']} at position {rule['position']}: {describe(app, rule)} -> {shoe.name}."
    )
    reassign_hint(app)


@rule_group.command("list")
@json_option
@pass_app
def rule_list(app: App, as_json):
    """List the rules in the order they are tried."""
    from shoetrack.attribution import rules

    found = rules.rows(app.store)
    if as_json:
        emit_json([rules.to_json(r) for r in found])
        return
    if not found:
        click.echo("No rules: activities go on the pair that is default for their sport.")
        return
    table(
        [
            [
                r["position"],
                r["id"],
                r["shoe"] + (" (retired)" if r["shoe_retired_on"] else ""),
                describe(app, r),
            ]
            for r in found
        ],
        ["pos", "id", "pair", "when"],
        align="rrll",
    )
    click.echo(
        "\nFirst match wins (if its pair is in use that day); then the sport's default pair."
    )


@rule_group.command("remove")
@click.argument("rule_id", type=int)
@pass_app
def rule_remove(app: App, rule_id):
    """Remove rule RULE_ID (the id `rule list` shows)."""
    from shoetrack.attribution import rules

    rule = rules.remove(app.store, rule_id)
    click.echo(f"Removed rule {rule['id']}: {describe(app, rule)} -> {rule['shoe']}.")
    reassign_hint(app)


@rule_group.command("move")
@click.argument("rule_id", type=int)
@click.argument("position", type=int)
@pass_app
def rule_move(app: App, rule_id, position):
    """Move rule RULE_ID to POSITION (1 = tried first)."""
    from shoetrack.attribution import rules

    rule = rules.move(app.store, rule_id, position)
    click.echo(f"Moved rule {rule['id']} to position {rule['position']}.")
    reassign_hint(app)


def _activity_line(app: App, a: dict) -> str:
    return " ".join(
        filter(
            None,
            [
                f"#{a['id']}",
                local_day(a["start"]),
                a["sport"],
                fmt_dist(app, a["distance_m"]),
                a["name"],
            ],
        )
    )


@cli.command("inbox")
@click.option("--pick", is_flag=True, help="Go through the inbox, one keypress per activity.")
@click.option("--accept", is_flag=True, help="Take every suggestion.")
@json_option
@pass_app
def inbox_cmd(app: App, pick, accept, as_json):
    """Shoe activities on no pair, each with a suggested pair.

    They wait here when no pair is in use that day, or several pairs are default for the sport
    (a rotation). --pick shows each with numbered pairs: press a number for that pair, Enter for
    the suggestion, s to skip, i to ignore it for good (a test recording), q to quit.
    """
    from shoetrack.attribution import inbox
    from shoetrack.cli import notices

    if pick and accept:
        raise click.UsageError("use --pick or --accept, not both")
    if pick and as_json:
        raise click.UsageError("--pick is interactive: it has no --json")
    items = inbox.entries(app.store)
    if accept:
        with notices.watch(app) as levels:
            taken = inbox.accept(app.store, items)
        if as_json:
            emit_json(
                {
                    "assigned": [e.to_json() for e in taken],
                    "left": [
                        e.to_json()
                        for e in items
                        if e.activity["id"] not in {t.activity["id"] for t in taken}
                    ],
                }
            )
            return
        for e in taken:
            assert e.suggestion is not None  # accept() takes only entries with a suggestion
            click.echo(
                f"{_activity_line(app, e.activity)} -> {e.suggestion.shoe.name} ({e.suggestion.reason})"
            )
        left = len(items) - len(taken)
        click.echo(
            f"Assigned {plural(len(taken), 'activity', 'activities')}"
            + (f"; {left} without a suggestion stay in the inbox." if left else ".")
        )
        levels.report()
        return
    if pick:
        _pick(app, [e.activity["id"] for e in items])
        return
    if as_json:
        emit_json_list(e.to_json() for e in items)
        return
    if not items:
        click.echo("The inbox is empty: every shoe activity is on a pair or ignored.")
        return
    table(
        [
            [
                e.activity["id"],
                e.day.isoformat(),
                e.activity["sport"],
                fmt_dist(app, e.activity["distance_m"]),
                e.activity["name"] or "",
                e.suggestion.shoe.name if e.suggestion else "-",
                e.suggestion.reason if e.suggestion else e.waiting,
            ]
            for e in items
        ],
        ["id", "date", "sport", "distance", "name", "suggested", "because"],
        align="rllrlll",
    )
    click.echo(
        f"\n{plural(len(items), 'activity waits', 'activities wait')} for a pair: "
        "`shoetrack inbox --pick` to go through them, `--accept` to take every suggestion."
    )
    _predating_hints(items)


def _predating_hints(items) -> None:
    """One line per pair that waiting runs predate: how many, and the command that moves its
    first day (after which `reassign --apply` puts them on it)."""
    by_pair: dict[int, list] = {}
    for e in items:
        for p in e.predates:
            by_pair.setdefault(p.id, [p, 0])[1] += 1
    for shoe, n in by_pair.values():
        since = (
            f"its purchase date {shoe.purchased_on}"
            if shoe.purchase_known
            else f"{shoe.first_day}, the day it was added (purchase date unknown)"
        )
        click.echo(
            f"{plural(n, 'waiting activity predates', 'waiting activities predate')} "
            f"{shoe.name}'s first day, {since}: if you wore it then, "
            f"{shoe.edit_date_hint()}, then `shoetrack reassign --apply`."
        )


def _keys():
    """Single keypresses. A real terminal may deliver several at once (typed ahead or pasted):
    each is its own key, except an escape sequence (an arrow key), which is one unknown key."""
    while True:
        try:
            ch = click.getchar()
        except (KeyboardInterrupt, EOFError):
            yield "q"
            return
        except OSError:
            click.echo()  # end the prompt's line before the error
            raise ShoetrackError(
                "inbox --pick needs a terminal: use `shoetrack inbox --accept` "
                "or `shoetrack activity assign ID PAIR`"
            ) from None
        if ch.startswith("\x1b") or not ch:
            yield ch
        else:
            yield from ch


def _pick(app: App, ids: list[int]) -> None:
    from shoetrack.attribution import inbox
    from shoetrack.cli import notices

    if not ids:
        click.echo("The inbox is empty: every shoe activity is on a pair or ignored.")
        return
    counts = {"assigned": 0, "ignored": 0, "skipped": 0}
    keys = _keys()
    quit_ = False
    with notices.watch(app) as levels:
        for n, aid in enumerate(ids, start=1):
            e = inbox.entry(app.store, aid)
            if e is None:
                continue  # assigned or ignored meanwhile
            click.echo(f"\n[{n}/{len(ids)}] {_activity_line(app, e.activity)}")
            if e.activity["file"]:
                click.echo(f"    file: {e.activity['file']}")
            click.echo(f"    waiting: {e.waiting}")
            if e.suggestion:
                click.echo(f"    suggested: {e.suggestion.shoe.name} ({e.suggestion.reason})")
            shown = e.choices[: inbox.MAX_KEYS]
            if shown:
                click.echo(
                    "    " + "   ".join(f"{i} {s.name}" for i, s in enumerate(shown, start=1))
                )
                if len(e.choices) > len(shown):
                    click.echo(
                        f"    ({len(e.choices) - len(shown)} more pairs: use "
                        f"`shoetrack activity assign {aid} PAIR`)"
                    )
            else:
                click.echo("    no pair was in use on that date")
            while True:
                keys_help = f"1-{len(shown)} pair, " if shown else ""
                enter = "Enter suggestion, " if e.suggestion else ""
                click.echo(f"    {keys_help}{enter}s skip, i ignore, q quit: ", nl=False)
                action, shoe, message = inbox.interpret(next(keys), e)
                if action != "again":
                    break
                click.echo(message)
            if action == "quit":
                click.echo("quit")
                quit_ = True
                break
            if action == "skip":
                click.echo("skipped")
                counts["skipped"] += 1
            elif action == "ignore":
                inbox.ignore(app.store, aid)
                click.echo("ignored: it will never count")
                counts["ignored"] += 1
            else:
                assert shoe is not None  # the actions left, pick and accept, always name a pair
                inbox.assign(app.store, aid, shoe, by="inbox" if action == "accept" else "manual")
                click.echo(f"-> {shoe.name}")
                counts["assigned"] += 1
    left = len(inbox.entries(app.store))
    click.echo(
        f"\n{counts['assigned']} assigned, {counts['ignored']} ignored, {counts['skipped']} skipped"
        f"{' (quit)' if quit_ else ''}; {left} still in the inbox."
    )
    levels.report()


def _signed(app: App, meters: float) -> str:
    text = fmt_dist(app, abs(meters))
    if round(meters, 6) == 0:
        return text
    return ("+" if meters > 0 else "-") + text


@cli.command("reassign")
@click.option(
    "--shoe",
    "shoe_ref",
    metavar="NAME",
    help="Only changes taking activities off or onto this pair.",
)
@click.option("--from", "since", metavar="DATE", help="Activities from this date (inclusive).")
@click.option("--to", "until", metavar="DATE", help="Activities up to this date (inclusive).")
@click.option("--sport", help="Only this sport.")
@click.option(
    "--apply", "do_apply", is_flag=True, help="Make the changes (without it: only show them)."
)
@json_option
@pass_app
def reassign_cmd(app: App, shoe_ref, since, until, sport, do_apply, as_json):
    """Re-run rules and sport defaults over past activities: shows what would change, and
    changes it only with --apply.

    Use it after adding a pair, changing a pair's dates or default sports, or changing rules
    (none of which rewrites past assignments on its own). Choices you made (activity assign,
    --shoe, the inbox) and ignored activities never change.
    """
    from shoetrack.attribution import reassign
    from shoetrack.cli import notices

    shoe = shoe_arg(app, shoe_ref) if shoe_ref else None
    since_d, until_d = day(since, "--from"), day(until, "--to")
    if since_d and until_d and since_d > until_d:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    args = {"shoe": shoe, "since": since_d, "until": until_d, "sport": _sport(sport)}
    if do_apply:
        # Planned and applied in one transaction: what is printed is exactly what happened.
        with notices.watch(app) as levels, app.store.write():
            changes = reassign.plan(app.store, **args)
            reassign.apply(app.store, changes)
    else:
        levels = None
        changes = reassign.plan(app.store, **args)
    moved = reassign.moved(changes)
    if as_json:
        emit_json({"applied": do_apply, "changes": [c.to_json() for c in changes], "moved": moved})
        return
    if not changes:
        click.echo("Nothing to change: every automatic choice in range is up to date.")
        return
    table(
        [
            [
                c.activity["id"],
                c.day.isoformat(),
                c.activity["sport"],
                fmt_dist(app, c.activity["distance_m"]),
                f"{c.old_shoe.name} ({c.old_by})" if c.old_shoe else "-",
                c.new_shoe.name if c.new_shoe else "(inbox)",
                c.why,
            ]
            for c in changes
        ],
        ["id", "date", "sport", "distance", "from", "to", "why"],
        align="rllrlll",
    )
    if moved:
        click.echo()
        table(
            [
                [
                    m["shoe"] or "(inbox)",
                    fmt_dist(app, m["lost_m"]),
                    fmt_dist(app, m["gained_m"]),
                    _signed(app, m["net_m"]),
                ]
                for m in moved
            ],
            ["pair", "loses", "gains", "net"],
            align="lrrr",
        )
    n = plural(len(changes), "activity", "activities")
    if do_apply:
        click.echo(f"\nChanged {n}.")
        levels.report()
    else:
        click.echo(f"\n{n} would change. Nothing changed yet: run again with --apply.")
