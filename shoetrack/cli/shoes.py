"""`shoetrack shoe ...`: manage pairs."""

from __future__ import annotations

import functools
from datetime import date

import click

from shoetrack.cli.attrib import reassign_hint
from shoetrack.cli.base import (
    App,
    cli,
    day,
    distance,
    emit_json,
    fmt_dist,
    json_option,
    local_day,
    pass_app,
    plural,
    shoe_arg,
    table,
)

DAYS_PER_MONTH = 30.4375


def _pair_options(f, *, edit: bool = False):
    # An edit changes only what is given: no defaults to speak of there.
    window = "" if edit else " (default from config, {})"
    opts = [
        click.option("--brand", help="Maker, e.g. Nike."),
        click.option("--model", help="Model, e.g. Pegasus 40."),
        click.option(
            "--purchased",
            metavar="DATE",
            help="Purchase date YYYY-MM-DD. Without it the date is unknown: rules and defaults "
            "count the pair from the day it was added, your own choices on any date.",
        ),
        click.option(
            "--start-distance",
            metavar="DIST",
            help="Distance already on the pair before tracking (e.g. 120mi).",
        ),
        click.option(
            "--warn", metavar="DIST", help=f"Warn at this distance{window.format('300mi')}."
        ),
        click.option(
            "--replace", metavar="DIST", help=f"Replace at this distance{window.format('500mi')}."
        ),
        click.option(
            "--max-age",
            "max_age_months",
            type=click.IntRange(min=1),
            metavar="MONTHS",
            help="Alert when the pair is older than this many months.",
        ),
        click.option(
            "--default-for",
            "default_for",
            multiple=True,
            metavar="SPORT",
            help="Sport this pair is the default for (repeatable): run, trail_run, treadmill_run, "
            "track_run, walk, hike.",
        ),
        click.option("--cost", type=click.FloatRange(min=0), help="Price paid."),
        click.option("--notes", help="Free text."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _values(
    app: App,
    brand,
    model,
    purchased,
    start_distance,
    warn,
    replace,
    max_age_months,
    default_for,
    cost,
    notes,
) -> dict:
    v = {}
    if brand is not None:
        v["brand"] = brand
    if model is not None:
        v["model"] = model
    if purchased is not None:
        v["purchased_on"] = day(purchased, "--purchased")
    if start_distance is not None:
        v["start_distance_m"] = distance(
            app, start_distance, param="--start-distance", allow_zero=True
        )
    if warn is not None:
        v["warn_at_m"] = distance(app, warn, param="--warn")
    if replace is not None:
        v["replace_at_m"] = distance(app, replace, param="--replace")
    if max_age_months is not None:
        v["max_age_days"] = round(max_age_months * DAYS_PER_MONTH)
    if default_for:
        v["default_sports"] = list(default_for)
    if cost is not None:
        v["cost"] = cost
    if notes is not None:
        v["notes"] = notes
    return v


@cli.group()
def shoe():
    """Add, list and manage pairs of shoes."""


@shoe.command("add")
@click.argument("name")
@_pair_options
@pass_app
def shoe_add(app: App, name, **opts):
    """Add a pair called NAME (names are unique, case does not matter).

    \b
    Example:
      shoetrack shoe add "Pegasus 40" --brand Nike --default-for run --start-distance 40mi
    """
    from shoetrack import shoes

    s = shoes.add(
        app.store, name, defaults=(app.config.warn_m, app.config.replace_m), **_values(app, **opts)
    )
    extra = f", default for {', '.join(s.default_sports)}" if s.default_sports else ""
    if s.purchase_known:
        click.echo(f"Added {s.name} (in use from {s.purchased_on}{extra}).")
    else:
        click.echo(
            f"Added {s.name} (purchase date unknown: rules and defaults count it from "
            f"{s.first_day}, runs you log or assign on any date{extra})."
        )
    _prefix_note(app, s)


def _prefix_note(app: App, s) -> None:
    from shoetrack import shoes

    note = shoes.prefix_warning(app.store, s)
    if note:
        click.echo(note, err=True)


@shoe.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include retired pairs.")
@json_option
@pass_app
def shoe_list(app: App, show_all, as_json):
    """List pairs with their total distance."""
    from shoetrack.mileage import compute

    rows = compute(app.store, app.config, include_retired=show_all)
    if as_json:
        emit_json([st.to_json() | {"default_sports": st.shoe.default_sports} for st in rows])
        return
    hidden = (
        0
        if show_all
        else app.store.scalar("SELECT count(*) FROM shoes WHERE retired_on IS NOT NULL")
    )
    if not rows and not hidden:
        click.echo("No pairs yet: add one with `shoetrack shoe add NAME`.")
        return
    # The retired column only when retired pairs are shown; else it would always say "-".
    table(
        [
            [
                st.shoe.name,
                " ".join(filter(None, [st.shoe.brand, st.shoe.model])),
                ",".join(st.shoe.default_sports) or "-",
                st.shoe.purchased_on or "unknown",
                *([st.shoe.retired_on or "-"] if show_all else []),
                fmt_dist(app, st.total_m),
            ]
            for st in rows
        ],
        [
            "name",
            "shoe",
            "default for",
            "purchased",
            *(["retired"] if show_all else []),
            "distance",
        ],
        align="lllllr" if show_all else "llllr",
    )
    if hidden:
        click.echo(f"{plural(hidden, 'retired pair')} hidden (--all shows them).")


@shoe.command("show")
@click.argument("name")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many recent activities to list (0 = all).",
)
@json_option
@pass_app
def shoe_show(app: App, name, limit, as_json):
    """Details of one pair (NAME or an unambiguous prefix) and its recent activities, with why
    each counts on it."""
    from shoetrack import activities
    from shoetrack.mileage import compute
    from shoetrack.units import format_duration

    s = shoe_arg(app, name)
    st = compute(app.store, app.config, include_retired=True, shoe_ids=[s.id])[0]
    acts = activities.query(app.store, shoe=s, limit=limit or None)
    if as_json:
        emit_json(
            st.to_json()
            | {
                "default_sports": s.default_sports,
                "cost": s.cost,
                "notes": s.notes,
                "max_age_days": s.max_age_days,
                "recent_activities": acts,
            }
        )
        return
    lines = [
        ("Name", s.name),
        ("Shoe", " ".join(filter(None, [s.brand, s.model])) or "-"),
        ("In use", f"{s.purchased_on or 'unknown'} to {s.retired_on or 'now'}"),
        ("Default for", ", ".join(s.default_sports) or "-"),
        (
            "Distance",
            f"{fmt_dist(app, st.total_m)} ({fmt_dist(app, st.tracked_m)} tracked"
            f" + {fmt_dist(app, s.start_distance_m)} starting)",
        ),
        ("Window", f"warn {fmt_dist(app, st.warn_m)}, replace {fmt_dist(app, st.replace_m)}"),
        ("State", st.state),
        ("Activities", str(st.activities)),
        ("Last worn", local_day(st.last_worn)),
    ]
    if st.forecast_warn or st.forecast_replace:
        lines.append(
            (
                "Forecast",
                f"warn {st.forecast_warn or '-'}, replace {st.forecast_replace or '-'}"
                f" at ~{fmt_dist(app, st.rate_m_per_day * 7)}/week",
            )
        )
    if s.max_age_days:
        lines.append(("Max age", f"{s.max_age_days} days"))
    if s.cost is not None:
        lines.append(("Cost", f"{s.cost:.2f}"))
    if s.notes:
        lines.append(("Notes", s.notes))
    if not s.purchase_known:
        lines.insert(
            3,
            (
                "Purchased",
                f"unknown: rules and defaults count it from {s.first_day} (the day "
                f"it was added), runs you log or assign on any date; set it with "
                f"{s.edit_date_hint()}",
            ),
        )
    for k, v in lines:
        click.echo(f"{k + ':':<12} {v}")
    if acts:
        click.echo()
        table(
            [
                [
                    a["id"],
                    local_day(a["start"]),
                    a["sport"],
                    fmt_dist(app, a["distance_m"]),
                    format_duration(a["elapsed_s"]),
                    a["assigned_by"],
                    a["name"] or "",
                ]
                for a in acts
            ],
            ["id", "date", "sport", "distance", "time", "why", "name"],
            align="rllrrll",
        )


@shoe.command("edit")
@click.argument("name")
@functools.partial(_pair_options, edit=True)
@click.option("--no-defaults", is_flag=True, help="Make the pair default for no sport.")
@pass_app
def shoe_edit(app: App, name, no_defaults, **opts):
    """Change a pair's details. Existing assignments stay as they are (see `reassign`)."""
    from shoetrack import shoes

    s = shoe_arg(app, name)
    values = _values(app, **opts)
    if no_defaults:
        values["default_sports"] = []
    if not values:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    s = shoes.edit(app.store, s, defaults=(app.config.warn_m, app.config.replace_m), **values)
    click.echo(f"Updated {s.name}.")
    if {"purchased_on", "default_sports"} & values.keys():
        reassign_hint(app)


@shoe.command("retire")
@click.argument("name")
@click.option(
    "--date", "on", metavar="DATE", help="First day the pair is no longer worn (default today)."
)
@pass_app
def shoe_retire(app: App, name, on):
    """Retire a pair: it no longer receives activities from that date on, and never alerts."""
    from shoetrack import activities, shoes

    s = shoes.retire(app.store, shoe_arg(app, name), day(on, "--date"))
    click.echo(f"Retired {s.name} from {s.retired_on}.")
    assert s.retired_on  # retire() has just set it
    later = activities.query(app.store, shoe=s, since=date.fromisoformat(s.retired_on))
    chosen = [a for a in later if a["assigned_by"] in ("manual", "inbox", "archive")]
    if chosen:
        one = len(chosen) == 1
        ids = ", ".join(f"#{a['id']}" for a in chosen)
        click.echo(
            f"{plural(len(chosen), 'activity', 'activities')} from {s.retired_on} on "
            f"{'still counts' if one else 'still count'} on {s.name}, as you chose ({ids}); "
            f"move {'it' if one else 'them'} with `shoetrack activity assign ID PAIR`."
        )
    reassign_hint(app)


@shoe.command("unretire")
@click.argument("name")
@pass_app
def shoe_unretire(app: App, name):
    """Put a retired pair back in use."""
    from shoetrack import shoes

    s = shoes.unretire(app.store, shoe_arg(app, name))
    click.echo(f"{s.name} is in use again.")
    reassign_hint(app)


@shoe.command("rename")
@click.argument("name")
@click.argument("new_name")
@pass_app
def shoe_rename(app: App, name, new_name):
    """Rename a pair (its activities and rules follow)."""
    from shoetrack import shoes

    old = shoe_arg(app, name)
    s = shoes.rename(app.store, old, new_name)
    click.echo(f"Renamed {old.name} to {s.name}.")
    _prefix_note(app, s)


@shoe.command("delete")
@click.argument("name")
@click.option("--force", is_flag=True, help="Delete even if activities count on the pair.")
@pass_app
def shoe_delete(app: App, name, force):
    """Delete a pair. Its activities are kept (unassigned); its rules and alerts are removed."""
    from shoetrack import shoes

    s = shoe_arg(app, name)
    gone = shoes.delete(app.store, s, force=force)
    parts = []
    if gone["assignments"]:
        parts.append(
            f"{plural(gone['assignments'], 'activity', 'activities')} "
            f"({fmt_dist(app, gone['distance_m'])}) now unassigned"
        )
    if gone["rules"]:
        parts.append(f"{plural(gone['rules'], 'rule')} removed")
    if gone["alerts"]:
        parts.append(f"{plural(gone['alerts'], 'alert')} removed")
    click.echo(f"Deleted {s.name}" + (": " + "; ".join(parts) if parts else "") + ".")
