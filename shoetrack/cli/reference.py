"""The command-line reference in docs/cli.md, generated from click itself so it cannot drift.

Regenerate with ``python -m shoetrack.cli.reference > docs/cli.md``; tests/test_docs.py fails when
the checked-in file differs from what this prints.
"""

from __future__ import annotations

import click

from shoetrack.cli import cli


def _commands(group: click.Group, path: tuple[str, ...]):
    ctx = click.Context(group, info_name=" ".join(path))
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        sub = (*path, name)
        yield sub, cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, sub)


def _help(path: tuple[str, ...]) -> str:
    """``shoetrack ... --help`` exactly as a runner sees it, at a fixed width so the file does not
    depend on who generated it."""
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli, [*path[1:], "--help"], prog_name="shoetrack", terminal_width=100
    )
    return result.output.rstrip()


def render() -> str:
    out = [
        "# Command-line reference",
        "",
        "Generated from the commands themselves by `python -m shoetrack.cli.reference > docs/cli.md`;",
        "a test fails when this file is out of date.",
        "",
    ]
    out += ["## shoetrack", "", "```", _help(("shoetrack",)), "```", ""]
    for path, _cmd in _commands(cli, ("shoetrack",)):
        out += [f"## {' '.join(path)}", "", "```", _help(path), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    click.echo(render(), nl=False)
