"""`shoetrack load` (alias `weekly`), `rotation`, `chart`, `report` and `shoe history`.

The insight package, matplotlib and Jinja2 are imported inside the commands: none of them may
slow down the start of every other command.
"""

from __future__ import annotations

from pathlib import Path

import click

from shoetrack.cli.base import (
    App,
    cli,
    emit_json,
    fmt_dist,
    json_option,
    local_day,
    pass_app,
    table,
)
from shoetrack.cli.shoes import shoe


def _pct(value, signed: bool = True) -> str:
    if value is None:
        return "-"
    return f"{value:+.0%}" if signed else f"{value:.0%}"


def _duration(seconds) -> str:
    from shoetrack.units import format_duration

    return format_duration(seconds) if seconds else "-"


@cli.command("load")
@click.option(
    "--weeks",
    type=click.IntRange(min=0),
    default=12,
    show_default=True,
    help="How many weeks to show (0: the whole history).",
)
@json_option
@pass_app
def load_cmd(app: App, weeks, as_json):
    """Training load: weekly distance on foot, the change against the previous four weeks
    (flagged above +10%), cross-training time, runs longer than the longest run of the previous
    30 days, and the acute:chronic ratio. `shoetrack weekly` is the same command.

    Weeks start on the day set as `week_start` under `[load]` in the config (Monday by default),
    in local time. What each figure means and the evidence behind it: docs/load.md.
    """
    from shoetrack.insight.load import compute

    picture = compute(app.store, app.config, weeks=weeks or None)
    if as_json:
        emit_json(picture.to_json())
        return
    if not picture.weeks:
        click.echo(
            "No activities yet: import some with `shoetrack import PATH` or `shoetrack log 5mi`."
        )
        return
    table(
        [
            [
                w.week_start.isoformat() + ("" if w.complete else " (so far)"),
                fmt_dist(app, w.distance_m),
                w.runs,
                _duration(w.cross_training_s),
                _pct(w.change) + (" ▲" if w.over_guideline else ""),
            ]
            for w in picture.weeks
        ],
        ["week of", "on foot", "sessions", "cross-training", "vs 4-week mean"],
        align="lrrrr",
    )
    click.echo(
        "▲ more than 10% above the mean of the previous four weeks (a convention, not a "
        "proven limit)."
    )
    if picture.spikes:
        click.echo("\nRuns longer than the longest run of the previous 30 days:")
        table(
            [
                [
                    local_day(_iso(s.start)),
                    fmt_dist(app, s.distance_m),
                    fmt_dist(app, s.longest_prior_m),
                    "first run in 30 days" if s.excess is None else _pct(s.excess),
                ]
                for s in picture.spikes
            ],
            ["date", "distance", "30-day longest", "longer by"],
            align="lrrr",
        )
    else:
        click.echo("\nNo run in these weeks was longer than the longest of the 30 days before it.")
    r = picture.ratio
    if r and r.ratio is not None:
        click.echo(
            f"\nAcute:chronic ratio (7 vs 28 days, exponentially weighted): {r.ratio:.2f} "
            "(for information only; see docs/load.md)."
        )


cli.add_command(load_cmd, "weekly")


def _iso(dt) -> str:
    from shoetrack.units import iso

    return iso(dt)


@cli.command("rotation")
@json_option
@pass_app
def rotation_cmd(app: App, as_json):
    """How the last 30 days' distance is shared between your active pairs, days since each was
    last worn, and cost per mile (or km) where the pair has a cost."""
    from shoetrack.insight.report import _per_unit
    from shoetrack.insight.rotation import ROTATION_DAYS, rotation

    rot = rotation(app.store, app.config)
    if as_json:
        emit_json(rot.to_json())
        return
    if not rot.pairs:
        click.echo("No active pairs: add one with `shoetrack shoe add NAME --default-for run`.")
        return
    table(
        [
            [
                p.status.shoe.name,
                fmt_dist(app, p.recent_m),
                _pct(p.share, signed=False),
                "never" if p.days_since_worn is None else p.days_since_worn,
                _per_unit(p.cost_per_km, app.units),
            ]
            for p in rot.pairs
        ],
        ["pair", f"last {ROTATION_DAYS} days", "share", "days since worn", f"cost/{app.units}"],
        align="lrrrr",
    )
    if rot.note:
        click.echo("\n" + rot.note)


@shoe.command("history")
@json_option
@pass_app
def shoe_history(app: App, as_json):
    """Retired pairs: distance reached against the replace target, days in use, cost per mile
    (or km), and a comparison by model (which lasted longest, which gave most distance per unit
    of money)."""
    from shoetrack.insight.report import _per_cost, _per_unit
    from shoetrack.insight.rotation import by_model, retired

    pairs = retired(app.store, app.config)
    models = by_model(pairs)
    costed = [m for m in models if m["km_per_cost"] is not None]
    longest = models[0]["model"] if models else None
    best = max(costed, key=lambda m: m["km_per_cost"])["model"] if costed else None
    if as_json:
        emit_json(
            {
                "pairs": [r.to_json() for r in pairs],
                "models": models,
                "longest": longest,
                "best_value": best,
            }
        )
        return
    if not pairs:
        click.echo("No retired pairs yet (`shoetrack shoe retire NAME` when a pair is done).")
        return
    table(
        [
            [
                r.status.shoe.name,
                r.model,
                r.status.shoe.retired_on,
                fmt_dist(app, r.status.total_m),
                _pct(r.of_target, signed=False),
                "-" if r.days is None else r.days,
                _per_unit(r.to_json()["cost_per_km"], app.units),
            ]
            for r in pairs
        ],
        ["pair", "model", "retired", "distance", "of target", "days", f"cost/{app.units}"],
        align="lllrrrr",
    )
    click.echo("")
    table(
        [
            [
                m["model"],
                m["pairs"],
                fmt_dist(app, m["mean_distance_m"]),
                _pct(m["mean_of_target"], False),
                "-" if m["mean_days"] is None else m["mean_days"],
                _per_cost(m["km_per_cost"], app.units),
            ]
            for m in models
        ],
        ["model", "pairs", "mean distance", "of target", "mean days", f"{app.units} per unit cost"],
        align="lrrrrr",
    )
    click.echo(f"\nLasted longest: {longest}.")
    if best:
        click.echo(f"Most distance for the money: {best}.")


@cli.command("chart")
@click.argument("pairs", nargs=-1, metavar="[PAIR]...")
@click.option(
    "-o", "--output", required=True, metavar="FILE", help="Where to write the chart: .svg or .png."
)
@click.option(
    "--load",
    "weekly_load",
    is_flag=True,
    help="Weekly distance bars with the runs past the 30-day longest marked.",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    help="Weeks shown with --load.",
)
@pass_app
def chart_cmd(app: App, pairs, output, weekly_load, weeks):
    """Draw a chart: cumulative distance per pair (all active pairs, or the PAIRs named) with
    the warn-replace band and the forecast dashed; or, with --load, the weekly distance.

    Needs the charts extra: pip install 'shoetrack[charts]'.
    """
    from shoetrack.insight import charts

    path = Path(output).expanduser()
    if path.suffix.lower() not in (".svg", ".png"):
        raise click.BadParameter("the file must end in .svg or .png", param_hint="-o")
    if weekly_load and pairs:
        raise click.UsageError("--load charts every activity: name no pairs with it")
    if weekly_load:
        fig = charts.load_figure(app.store, config=app.config, weeks=weeks)
        what = f"weekly distance, last {weeks} weeks"
    else:
        ids = [_pair_id(app, ref) for ref in pairs] or None
        fig = charts.pair_figure(app.store, ids, config=app.config)
        what = "distance per pair"
    charts.write(fig, path)
    click.echo(f"Wrote {path} ({what}).")


def _pair_id(app: App, ref: str) -> int:
    from shoetrack.cli.base import shoe_arg

    return shoe_arg(app, ref).id


@cli.command("report")
@click.option(
    "-o",
    "--output",
    default="report.html",
    show_default=True,
    metavar="FILE",
    help="Where to write the HTML report.",
)
@pass_app
def report_cmd(app: App, output):
    """Write one self-contained HTML report: pairs, charts, weekly load and rotation. It needs no
    network, prints well and reads on a phone. Needs: pip install 'shoetrack[charts]'."""
    from shoetrack.insight.report import write

    if not output.strip():
        raise click.BadParameter("give a file name", param_hint="--output")
    path = write(app.store, app.config, Path(output).expanduser())
    click.echo(f"Wrote {path}.")
