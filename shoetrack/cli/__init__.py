"""The command line: a thin click layer over the core. Heavy imports live inside commands so
that `shoetrack --help` starts fast, and a command's own module is imported only when that
command runs or help lists it (a run of `status` does not define the other twenty commands)."""
from shoetrack.cli.base import LazyCommands, cli

# Every top-level command and the modules (in shoetrack.cli) that define it and its
# subcommands: `shoe history` is defined with the insight commands.
COMMANDS = {
    "activities": ("activity",), "activity": ("activity",), "log": ("activity",),
    "alerts": ("alerts",), "notify": ("alerts",),
    "inbox": ("attrib",), "reassign": ("attrib",), "rule": ("attrib",),
    "config": ("config",),
    "daemon": ("daemon",), "watch": ("daemon",),
    "import": ("importing",), "imports": ("importing",),
    "chart": ("insight",), "load": ("insight",), "report": ("insight",), "rotation": ("insight",),
    "weekly": ("insight",),
    "serve": ("serve",),
    "shoe": ("shoes", "insight"),
    "status": ("status",),
}
cli.commands = LazyCommands({name: tuple(f"shoetrack.cli.{m}" for m in modules)
                             for name, modules in COMMANDS.items()})


def main():
    cli(prog_name="shoetrack")
