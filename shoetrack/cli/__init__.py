"""The command line: a thin click layer over the core. Heavy imports live inside commands so
that `shoetrack --help` starts fast."""
from shoetrack.cli.base import cli

# Registering the command modules (each imports only click and shoetrack.cli.base at top level).
from shoetrack.cli import activity, alerts, attrib, daemon, importing, shoes, status  # noqa: E402,F401
from shoetrack.cli import config  # noqa: E402,F401
from shoetrack.cli import insight  # noqa: E402,F401
from shoetrack.cli import serve  # noqa: E402,F401


def main():
    cli(prog_name="shoetrack")
