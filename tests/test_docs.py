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
            # The whole command as a runner types it ("alerts snooze"), or its last word in a
            # `shoetrack GROUP ...` line's list ("shoetrack shoe list   # shoe show | edit"): the
            # last word alone could come from any prose.
            parent, last = " ".join(path[:-1]), re.escape(path[-1])
            lines = [ln for ln in README.splitlines() if f"shoetrack {parent}" in ln]
            assert re.search(rf"shoetrack {re.escape(' '.join(path))}\b", README) or any(
                re.search(rf"\b{last}\b", ln.split("#", 1)[-1]) for ln in lines
            ), f"README never mentions `shoetrack {' '.join(path)}`"


def test_help_runs_for_every_command(st):
    for path, _ in commands(cli):
        r = st(*path, "--help")
        assert r.stdout.startswith(f"Usage: shoetrack {' '.join(path)}")


def test_cli_reference_is_current():
    from shoetrack.cli.reference import render

    checked_in = (ROOT / "docs" / "cli.md").read_text()
    assert checked_in == render(), (
        "docs/cli.md is stale: python -m shoetrack.cli.reference > docs/cli.md"
    )


def test_readme_layout_names_every_package_and_module():
    """The Development section's map of `shoetrack/` names each subpackage ("ingest/") and each
    module inside a cluster or at the top, so a newcomer's map matches the tree."""
    block = README[README.index("## Development") :]
    block = block[: block.index("```", block.index("```") + 3)]
    pkg = ROOT / "shoetrack"
    missing = []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg)
        if path.name in ("__init__.py", "__main__.py") or rel.parts[0] in (
            "cli",
            "web",
            "notify",
            "exports",
            "insight",
        ):
            continue  # packages described as a whole; their modules are named by their own docstring
        if not re.search(rf"\b{re.escape(path.stem)}\b", block):
            missing.append(str(rel))
    for sub in sorted(p for p in pkg.iterdir() if (p / "__init__.py").exists()):
        if f"{sub.name}/" not in block:
            missing.append(f"{sub.name}/")
    assert missing == []
