"""The README stays true: its two opening commands, every command documented and helped."""
import re
from pathlib import Path

import click

from shoetrack.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def commands(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        path = prefix + (name,)
        yield path, cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, path)


def test_readme_opens_with_two_commands_and_ci_runs_the_second():
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert "examples/" in install_run and "pip install" in install_run
    assert "pytest" in install_test and "pip install" in install_test
    ci = (ROOT / ".ci" / "run").read_text()
    assert install_test in ci.splitlines()


def test_every_command_has_help_and_is_in_the_readme():
    for path, cmd in commands(cli):
        assert cmd.help and cmd.help.strip(), f"{' '.join(path)} has no help text"
        if len(path) == 1:
            assert f"shoetrack {path[0]}" in README, f"README never mentions `shoetrack {path[0]}`"
        else:
            assert re.search(rf"\b{re.escape(path[-1])}\b", README), f"README never mentions {' '.join(path)}"


def test_help_runs_for_every_command(st):
    for path, _ in commands(cli):
        r = st(*path, "--help")
        assert r.stdout.startswith(f"Usage: shoetrack {' '.join(path)}")
