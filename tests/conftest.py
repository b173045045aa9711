"""Shared fixtures: an isolated database/config per test, and a CLI runner."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

# Real SMTP / D-Bus / HTTP services as fixtures. tests/ has no __init__.py, so pytest puts it on
# sys.path and the plugin and the helper modules import by their bare names.
pytest_plugins = ["conftest_services"]

# examples/ holds the FIT writer and the sample generator, which the fixtures build files with.
EXAMPLES = str(Path(__file__).resolve().parents[1] / "examples")
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)

SHARED = Path(os.environ.get("SHOETRACK_SHARED", Path(__file__).resolve().parents[2] / "shared"))


@pytest.fixture(autouse=True)
def _pinned_zone(request, monkeypatch):
    """``@pytest.mark.tz("Pacific/Honolulu")`` runs a test in that local time zone.

    A test whose expected values depend on the local calendar says so with this mark; every other
    test must pass in any zone (CI runs the suite under far zones to prove it).
    """
    mark = request.node.get_closest_marker("tz")
    if mark is None or not hasattr(time, "tzset"):
        yield
        return
    monkeypatch.setenv("TZ", mark.args[0])
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own database, config and XDG dirs; nothing touches the real home."""
    monkeypatch.setenv("SHOETRACK_DB", str(tmp_path / "shoetrack.db"))
    monkeypatch.setenv("SHOETRACK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("SHOETRACK_UNITS", raising=False)
    monkeypatch.delenv("SHOETRACK_SMTP_PASSWORD", raising=False)
    return tmp_path


class Runner:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.runner = CliRunner()

    def __call__(self, *args, code: int = 0, input: str | None = None):
        from shoetrack.cli import cli

        result = self.runner.invoke(
            cli, [str(a) for a in args], input=input, catch_exceptions=True, prog_name="shoetrack"
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            import traceback

            tb = "".join(traceback.format_exception(*result.exc_info))
            raise AssertionError(f"unexpected exception for {args}:\n{tb}")
        assert result.exit_code == code, (
            f"shoetrack {' '.join(map(str, args))} exited {result.exit_code}, wanted {code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(self, *args):
        return json.loads(self(*args, "--json").stdout)

    @property
    def db(self) -> Path:
        return self.tmp_path / "shoetrack.db"


@pytest.fixture
def st(tmp_path):
    """Run the CLI: st("shoe", "add", "X") asserts exit 0; st(..., code=2) another status."""
    return Runner(tmp_path)


@pytest.fixture
def store(tmp_path):
    from shoetrack.store import open_store

    s = open_store(tmp_path / "shoetrack.db")
    yield s
    s.close()


@pytest.fixture
def config():
    from shoetrack.config import Config

    return Config()
