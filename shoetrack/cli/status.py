"""`shoetrack status`."""

from __future__ import annotations

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


@cli.command("status")
@click.option("--all", "show_all", is_flag=True, help="Include retired pairs.")
@json_option
@pass_app
def status_cmd(app: App, show_all, as_json):
    """Where each pair stands in its replacement window.

    Distance is starting + tracked distance. States: ok, approaching (within 10% of the warn
    distance or forecast to reach it within 14 days), window (past warn), replace (past
    replace), retired. The forecast comes from the pair's own last 6 weeks.
    """
    from shoetrack.mileage import bar, compute

    rows = compute(app.store, app.config, include_retired=show_all)
    if as_json:
        emit_json([st.to_json() for st in rows])
        return
    if not rows:
        click.echo("No pairs yet: add one with `shoetrack shoe add NAME --default-for run`.")
        return
    table(
        [
            [
                st.shoe.name,
                fmt_dist(app, st.total_m),
                bar(st.total_m, st.warn_m, st.replace_m),
                st.state,
                st.activities,
                local_day(st.last_worn),
                _next_limit(st),
            ]
            for st in rows
        ],
        [
            "pair",
            "distance",
            "window (| = warn)",
            "state",
            "runs",
            "last worn",
            "reaches (forecast)",
        ],
        align="lrllrll",
    )
    from shoetrack.attribution import inbox

    _unknown_dates([st.shoe for st in rows if not st.shoe.purchase_known and st.state != "retired"])
    unassigned = inbox.count(app.store)
    if unassigned:
        click.echo(
            f"\n{unassigned} shoe activit{'y is' if unassigned == 1 else 'ies are'} on no pair "
            "(see `shoetrack inbox`)."
        )


def _unknown_dates(pairs) -> None:
    """Say which pairs have no purchase date: their automatic first day is the day they were added."""
    if not pairs:
        return
    one = len(pairs) == 1
    fix = pairs[0].edit_date_hint() if one else "`shoetrack shoe edit NAME --purchased YYYY-MM-DD`"
    click.echo(
        f"\nPurchase date unknown: {', '.join(s.name for s in pairs)} (rules and defaults count "
        f"{'it' if one else 'each'} from the day it was added; set it with {fix})."
    )


def _next_limit(st) -> str:
    """The next limit the pair's own recent pace reaches, and when: 'warn 2026-12-27'."""
    if st.state == "retired":
        return "-"
    if st.forecast_warn:
        return f"warn {st.forecast_warn}"
    if st.forecast_replace:
        return f"replace {st.forecast_replace}"
    return "-"
