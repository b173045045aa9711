"""Start-up: a command loads its own module and the store's stdlib path, nothing else heavy."""

import subprocess
import sys

import click

from shoetrack.cli import COMMANDS, cli
from shoetrack.store import open_store


def _modules_of(cmd: click.Command) -> set[str]:
    """The modules whose code defines `cmd` and, for a group, all of its subcommands."""
    found = {cmd.callback.__module__} if cmd.callback else set()
    for sub in getattr(cmd, "commands", {}).values():
        found |= _modules_of(sub)
    return found


def test_the_command_map_names_every_command_and_its_modules():
    ctx = click.Context(cli)
    for name in COMMANDS:  # loads every module
        assert cli.get_command(ctx, name) is not None, name
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, cmd in cli.commands.items():
        assert _modules_of(cmd) == {f"shoetrack.cli.{m}" for m in COMMANDS[name]}, name


PROBE = """
import atexit, sys
def report():
    loaded = sorted(m for m in sys.modules if m.startswith("shoetrack.cli."))
    heavy = sorted(m for m in ("sqlite_utils", "numpy", "logging", "platformdirs", "tomllib")
                   if m in sys.modules)
    sys.stderr.write(repr((loaded, heavy)))
atexit.register(report)
sys.argv = ["shoetrack", *sys.argv[1:]]
from shoetrack.cli import main
main()
"""


def _loaded(tmp_path, *args) -> tuple[list, list]:
    env = {
        "SHOETRACK_DB": str(tmp_path / "s.db"),
        "SHOETRACK_CONFIG": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    r = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    return eval(r.stderr)


def test_read_commands_load_only_their_module_and_no_sqlite_utils(tmp_path):
    open_store(tmp_path / "s.db").close()  # current schema: opening it needs no migration
    assert _loaded(tmp_path, "status") == (["shoetrack.cli.base", "shoetrack.cli.status"], [])
    assert _loaded(tmp_path, "imports") == (["shoetrack.cli.base", "shoetrack.cli.importing"], [])
    assert _loaded(tmp_path, "activities", "--json", "--limit", "0") == (
        ["shoetrack.cli.activity", "shoetrack.cli.base"],
        [],
    )


def test_shoe_subcommands_from_both_modules_are_there(tmp_path):
    """In a new process (not one where every module is loaded already): `shoe history` is
    defined with the insight commands, `shoe add` with the pair commands."""
    env = {
        "SHOETRACK_DB": str(tmp_path / "s.db"),
        "SHOETRACK_CONFIG": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    r = subprocess.run(
        [sys.executable, "-m", "shoetrack", "shoe", "history", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: shoetrack shoe history [OPTIONS]")


def test_an_import_without_new_files_to_parse_starts_no_pool(tmp_path):
    """multiprocessing and concurrent.futures load when a pool starts, logging when an
    unexpected error is logged, the activity commands' module only for --sport: a re-import
    of known files needs none of them."""
    from builders import T1, gpx, track

    open_store(tmp_path / "s.db").close()
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a.gpx").write_text(gpx(track(T1)))
    probe = PROBE.replace(
        '("sqlite_utils", "numpy", "logging", "platformdirs", "tomllib")',
        '("logging", "multiprocessing", "concurrent.futures")',
    )
    assert probe != PROBE
    env = {
        "SHOETRACK_DB": str(tmp_path / "s.db"),
        "SHOETRACK_CONFIG": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    for _ in range(2):  # a first import, then a re-import
        r = subprocess.run(
            [sys.executable, "-c", probe, "import", "--no-progress", str(folder)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        loaded, heavy = eval(r.stderr)
        assert "shoetrack.cli.activity" not in loaded
        assert heavy == []
