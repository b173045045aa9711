"""`shoetrack serve`: the local dashboard (docs/dashboard.md)."""

from __future__ import annotations

import click

from shoetrack.cli.base import App, cli, pass_app
from shoetrack.errors import ShoetrackError

MISSING = "the dashboard needs Flask: pip install 'shoetrack[web]'"


@cli.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=False,
    help="Port to listen on (default: a free one, printed).",
)
@click.option(
    "--host",
    metavar="ADDRESS",
    help="Listen on this address instead of 127.0.0.1 (e.g. 0.0.0.0 for your phone on "
    "the same network); a random token, printed in the address, is then required.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in your browser.")
@click.option("--read-only", is_flag=True, help="Pages only: no action can change anything.")
@pass_app
def serve_cmd(app: App, port, host, open_browser, read_only):
    """A local dashboard in your browser: pairs, each pair's chart, the inbox, load, imports.

    It reads and writes the same database as the CLI and the daemon (both may run meanwhile).
    Only this machine can reach it unless --host is given. Stop it with Ctrl-C.
    """
    # Flask, werkzeug and matplotlib load only here: no other command pays for them.
    import importlib.util

    if importlib.util.find_spec("flask") is None:
        raise ShoetrackError(MISSING)
    from shoetrack.store import open_store
    from shoetrack.web.server import Server

    open_store(app.db_path).close()  # a database that cannot open fails now, in one line
    import logging

    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        # werkzeug prints a line per request unless told otherwise: only with -v.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = Server(app.db_path, app.config, host=host, port=port, read_only=read_only)
    mode = " (read-only)" if read_only else ""
    click.echo(f"shoetrack dashboard{mode} on {server.url}")
    if server.guard.token:
        click.echo(
            "Anyone on your network who has this address can use it; keep the token private."
        )
    click.echo("Press Ctrl-C to stop.")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    click.echo("Stopped.")
