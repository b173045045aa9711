"""`shoetrack status` and `shoetrack config ...`."""
from __future__ import annotations

import click

from shoetrack.cli.base import App, cli, emit_json, fmt_dist, json_option, local_day, pass_app, table


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
        [[st.shoe.name, fmt_dist(app, st.total_m), bar(st.total_m, st.warn_m, st.replace_m),
          st.state, st.activities, local_day(st.last_worn),
          _next_limit(st)] for st in rows],
        ["pair", "distance", "window (| = warn)", "state", "runs", "last worn", "reaches (forecast)"],
        align="lrllrll",
    )
    from shoetrack import inbox

    _unknown_dates([st.shoe for st in rows if not st.shoe.purchase_known and st.state != "retired"])
    unassigned = inbox.count(app.store)
    if unassigned:
        click.echo(f"\n{unassigned} shoe activit{'y is' if unassigned == 1 else 'ies are'} on no pair "
                   "(see `shoetrack inbox`).")


def _unknown_dates(pairs) -> None:
    """Say which pairs have no purchase date: their automatic first day is the day they were added."""
    if not pairs:
        return
    one = len(pairs) == 1
    fix = pairs[0].edit_date_hint() if one else "`shoetrack shoe edit NAME --purchased YYYY-MM-DD`"
    click.echo(f"\nPurchase date unknown: {', '.join(s.name for s in pairs)} (rules and defaults count "
               f"{'it' if one else 'each'} from the day it was added; set it with {fix}).")


def _next_limit(st) -> str:
    """The next limit the pair's own recent pace reaches, and when: 'warn 2026-12-27'."""
    if st.state == "retired":
        return "-"
    if st.forecast_warn:
        return f"warn {st.forecast_warn}"
    if st.forecast_replace:
        return f"replace {st.forecast_replace}"
    return "-"


@cli.group("config")
def config_group():
    """Show or change settings (units, default window, email, desktop)."""


@config_group.command("path")
@pass_app
def config_path(app: App):
    """Print where the config file and database are."""
    click.echo(f"config:   {app.config_path}")
    click.echo(f"database: {app.db_path}")


@config_group.command("show")
@json_option
@pass_app
def config_show(app: App, as_json):
    """Print the effective settings."""
    c = app.config
    data = {
        "units": c.units,
        "warn_m": c.warn_m,
        "replace_m": c.replace_m,
        "email": {k: v for k, v in c.email.items() if "password" not in k.lower()},
        "desktop": c.desktop,
        "daemon": c.daemon,
        "config_file": str(app.config_path),
        "config_file_exists": app.config_path.exists(),
        "database": str(app.db_path),
    }
    if as_json:
        emit_json(data)
        return
    click.echo(f"units:    {c.units}")
    click.echo(f"window:   warn {fmt_dist(app, c.warn_m)}, replace {fmt_dist(app, c.replace_m)}")
    click.echo(f"email:    {'on' if c.email.get('enabled') else 'off'}"
               + (f" via {c.email.get('host')}:{c.email.get('port', 587)}" if c.email.get("host") else ""))
    click.echo(f"desktop:  {'on' if c.desktop.get('enabled', True) else 'off'}")
    click.echo(f"config:   {app.config_path}{'' if app.config_path.exists() else ' (not created yet)'}")
    click.echo(f"database: {app.db_path}")


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@pass_app
def config_set(app: App, key, value):
    """Set KEY to VALUE in the config file, e.g. `config set units km`,
    `config set thresholds.warn 350mi`, `config set email.host smtp.example.org`."""
    from shoetrack import config as cfg

    if "password" in key.lower():
        raise click.UsageError("passwords are never stored in the config: set SHOETRACK_SMTP_PASSWORD "
                               "or store it in the system keyring")
    cfg.set_value(app.config_path, key, value)
    click.echo(f"Set {key} = {value} in {app.config_path}.")
