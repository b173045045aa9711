"""The command line: a thin click layer over the core.

The command modules import the core inside each command, not at the top: the CLI itself loads in
about 70 ms (click alone about 30 ms), and importing the whole core up front (ingest, alerts,
attribution, insight, exports, the daemon's APScheduler) doubles that to about 140 ms for every
command, `--help` included. This is the one place where function-local imports are the rule; the
core modules import each other at the top.
"""
from shoetrack.cli.base import cli

# Registering the command modules (each imports only click and shoetrack.cli.base at top level).
from shoetrack.cli import activity, alerts, attrib, daemon, importing, shoes, status  # noqa: E402,F401
from shoetrack.cli import config  # noqa: E402,F401
from shoetrack.cli import insight  # noqa: E402,F401
from shoetrack.cli import serve  # noqa: E402,F401


def main():
    cli(prog_name="shoetrack")
