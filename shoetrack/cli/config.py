"""`shoetrack config path|show|set`: the settings table (shoetrack.config.SETTINGS) on the
command line."""

from __future__ import annotations

import click

from shoetrack.cli.base import App, cli, emit_json, fmt_dist, json_option, pass_app


@cli.group("config")
def config_group():
    """Show or change settings: units, default window, email, desktop, push, daemon.

    Every setting, its type and default: docs/settings.md (or `shoetrack config show`).
    """


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
    """Print every setting's effective value (push URLs shown as ntfy://*** only).

    \b
    Examples:
      shoetrack config show
      shoetrack config show --json
    """
    from shoetrack import config as cfg

    c = app.config
    values = cfg.shown(c)
    if as_json:
        emit_json(
            {
                **values,
                "warn_m": c.warn_m,
                "replace_m": c.replace_m,
                "channels": c.enabled_channels(),
                "config_file": str(app.config_path),
                "config_file_exists": app.config_path.exists(),
                "database": str(app.db_path),
            }
        )
        return
    click.echo(f"units:    {c.units}")
    click.echo(f"window:   warn {fmt_dist(app, c.warn_m)}, replace {fmt_dist(app, c.replace_m)}")
    click.echo(f"channels: {', '.join(c.enabled_channels()) or 'none'}")
    for section in ("email", "desktop", "push", "daemon"):
        click.echo(f"[{section}]")
        for name, value in values[section].items():
            click.echo(f"  {name} = {_toml(value)}")
    click.echo(
        f"config:   {app.config_path}{'' if app.config_path.exists() else ' (not created yet)'}"
    )
    click.echo(f"database: {app.db_path}")


def _toml(value) -> str:
    """A value as TOML writes it, on one line."""
    from shoetrack.config import _toml_text

    return "(not set)" if value is None else _toml_text(value)


@config_group.command("set", short_help="Set KEY to VALUE in the config file.")
@click.argument("key")
@click.argument("value")
@pass_app
def config_set(app: App, key, value):
    """Set KEY to VALUE in the config file (created if missing).

    KEY is a setting of docs/settings.md, e.g. units, thresholds.warn, email.host,
    daemon.scan_every. The whole file is checked before it is written: an unknown key or a
    value of the wrong kind is refused and nothing changes. Lists take commas.

    \b
    Examples:
      shoetrack config set units km
      shoetrack config set thresholds.warn 350mi
      shoetrack config set email.host smtp.example.org
      shoetrack config set email.to me@example.org,partner@example.org
      shoetrack config set daemon.scan_every 10m
    """
    from shoetrack import config as cfg

    if "password" in key.lower():
        raise click.UsageError(
            "passwords are never stored in the config: set SHOETRACK_SMTP_PASSWORD "
            "or store it in the system keyring"
        )
    cfg.set_value(app.config_path, key, value)
    shown = "***" if cfg.BY_KEY[key].secret else value
    click.echo(f"Set {key} = {shown} in {app.config_path}.")
