"""The command line: a thin click layer over the core.

The command modules import the core inside each command, not at the top: the CLI itself loads in
about 70 ms (click alone about 30 ms), and importing the whole core up front (ingest, alerts,
attribution, insight, exports, the daemon's APScheduler) doubles that to about 140 ms for every
command, `--help` included. This is the one place where function-local imports are the rule; the
core modules import each other at the top. Likewise a command's own module is imported only when
that command runs or help lists it (a run of `status` does not define the other twenty commands).
"""

from shoetrack.cli.base import LazyCommands, cli

# Every top-level command and the modules (in shoetrack.cli) that define it and its
# subcommands: `shoe history` is defined with the insight commands.
COMMANDS = {
    "activities": ("activity",),
    "activity": ("activity",),
    "log": ("activity",),
    "alerts": ("alerts",),
    "notify": ("alerts",),
    "inbox": ("attrib",),
    "reassign": ("attrib",),
    "rule": ("attrib",),
    "config": ("config",),
    "daemon": ("daemon",),
    "watch": ("daemon",),
    "import": ("importing",),
    "imports": ("importing",),
    "chart": ("insight",),
    "load": ("insight",),
    "report": ("insight",),
    "rotation": ("insight",),
    "weekly": ("insight",),
    "serve": ("serve",),
    "shoe": ("shoes", "insight"),
    "status": ("status",),
}
cli.commands = LazyCommands(
    {name: tuple(f"shoetrack.cli.{m}" for m in modules) for name, modules in COMMANDS.items()}
)


def main():
    cli(prog_name="shoetrack")
