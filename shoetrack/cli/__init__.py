"""The command line: a thin click layer over the core.

The command modules import the core inside each command, not at the top: the CLI itself loads in
about 70 ms (click alone about 30 ms), and importing the whole core up front (ingest, alerts,
attribution, insight, exports, the daemon's APScheduler) doubles that to about 140 ms for every
command, `--help` included. This is the one place where function-local imports are the rule; the
core modules import each other at the top.
"""
# Registering the command modules (each imports only click and shoetrack.cli.base at top level).
from shoetrack.cli import (  # noqa: F401
    activity,
    alerts,
    attrib,
    config,
    daemon,
    importing,
    insight,
    serve,
    shoes,
    status,
)
from shoetrack.cli.base import cli


def main():
    cli(prog_name="shoetrack")
