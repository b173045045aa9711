"""Config: file, environment and option precedence; `config show|path|set`; the settings table
as the one place a setting is declared (the example file and docs/settings.md follow it)."""

import sys
from pathlib import Path

import pytest

from shoetrack import config as cfg

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MI = 1609.344
ROOT = Path(__file__).resolve().parents[1]


def test_config_set_and_show(st, tmp_path):
    assert (
        st("config", "set", "units", "km").stdout
        == f"Set units = km in {tmp_path / 'config.toml'}.\n"
    )
    st("config", "set", "thresholds.warn", "350mi")
    st("config", "set", "email.host", "smtp.example.org")
    st("config", "set", "email.port", "2525")
    st("config", "set", "email.to", "a@example.org,b@example.org")
    st("config", "set", "daemon.scan_every", "10m")
    data = st.json("config", "show")
    assert data["units"] == "km"
    assert data["warn_m"] == pytest.approx(350 * MI)
    assert data["email"] == {
        "enabled": None,
        "host": "smtp.example.org",
        "port": 2525,
        "security": "starttls",
        "username": "",
        "from": "",
        "to": ["a@example.org", "b@example.org"],
        "cafile": "",
        "timeout": "15s",
    }
    assert data["daemon"] == {"scan_every": "10m", "alert_check": "08:00", "settle": "60s"}
    assert data["channels"] == ["email", "desktop"]
    text = (tmp_path / "config.toml").read_text()
    assert 'units = "km"' in text and 'warn = "350mi"' in text and "port = 2525" in text
    out = st("config", "show").stdout
    assert "window:   warn 563.3 km, replace 804.7 km" in out
    assert '  to = ["a@example.org", "b@example.org"]\n' in out
    assert '[daemon]\n  scan_every = "10m"\n  alert_check = "08:00"\n' in out


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("email.hots", "x", "unknown setting 'email.hots' (did you mean email.host?)"),
        (
            "daemon.scan_evry",
            "5m",
            "unknown setting 'daemon.scan_evry' (did you mean daemon.scan_every?)",
        ),
        ("email.port", "abc", "email.port must be a whole number from 1 to 65535, not 'abc'"),
        ("email.port", "70000", "email.port must be a whole number from 1 to 65535, not 70000"),
        ("email.security", "tls", "email.security must be one of starttls, ssl, none, not 'tls'"),
        ("daemon.scan_every", "0s", "daemon.scan_every must be between 1s and 1d, not '0s'"),
        (
            "daemon.alert_check",
            "25:00",
            "daemon.alert_check cannot read time '25:00' (use HH:MM, e.g. 08:00)",
        ),
        ("desktop.enabled", "perhaps", "desktop.enabled must be true or false, not 'perhaps'"),
        ("email.to", "nobody", "email.to is not an email address: 'nobody'"),
        ("push.urls", "not a url", "push.urls entry 1 is not a notification URL (scheme://...)"),
        ("units", "furlongs", "units must be one of mi, km, not 'furlongs'"),
        ("colour", "blue", "unknown setting 'colour' (see docs/settings.md)"),
    ],
)
def test_config_set_refuses_bad_keys_and_values(st, tmp_path, key, value, message):
    path = tmp_path / "config.toml"
    path.write_text('units = "mi"\n')
    r = st("config", "set", key, value, code=2)
    assert r.stderr == f"Error: config {path}: {message}\n"
    assert path.read_text() == 'units = "mi"\n'  # nothing written


def test_config_set_refuses_what_the_whole_file_refuses(st, tmp_path):
    r = st("config", "set", "thresholds.replace", "100mi", code=1)
    assert r.stderr == (
        f"Error: config {tmp_path / 'config.toml'}: thresholds.replace must be "
        "larger than thresholds.warn\n"
    )
    r = st("config", "set", "email.password", "hunter2", code=2)
    assert "never stored in the config" in r.stderr
    assert not (tmp_path / "config.toml").exists()


def test_config_set_on_a_broken_file_is_one_line(st, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("units = \n")
    r = st("config", "set", "units", "km", code=1)
    assert r.stderr == f"Error: config {path}: Invalid value (at line 1, column 9)\n"
    assert path.read_text() == "units = \n"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[email]\nhots = "x"\n', "unknown setting 'email.hots' (did you mean email.host?)"),
        ('[email]\nport = "abc"\n', "email.port must be a whole number from 1 to 65535, not 'abc'"),
        (
            '[daemon]\nalert_check = "25:00"\n',
            "daemon.alert_check cannot read time '25:00' (use HH:MM, e.g. 08:00)",
        ),
        (
            '[push]\nurls = "ntfy://h/topic"\ntimeout = "forever"\n',
            "push.timeout cannot read duration 'forever' (use e.g. 60s, 5m or 1h)",
        ),
        ("email = 3\n", "[email] must be a table"),
    ],
)
def test_the_whole_file_is_validated_when_read(st, tmp_path, text, message):
    (tmp_path / "config.toml").write_text(text)
    r = st("status", code=1)
    assert r.stderr == f"Error: config {tmp_path / 'config.toml'}: {message}\n"


def test_show_redacts_push_urls(st, tmp_path):
    (tmp_path / "config.toml").write_text(
        '[push]\nurls = ["ntfy://ntfy.sh/sekrit-topic", "tgram://123:TOKEN/456"]\n'
    )
    out = st("config", "show").stdout
    assert '[push]\n  enabled = (not set)\n  urls = ["ntfy://***", "tgram://***"]\n' in out
    assert "sekrit" not in out and "TOKEN" not in out
    assert st.json("config", "show")["push"]["urls"] == ["ntfy://***", "tgram://***"]
    r = st("config", "set", "push.urls", "ntfy://ntfy.sh/other-secret")
    assert r.stdout == f"Set push.urls = *** in {tmp_path / 'config.toml'}.\n"


def test_precedence_option_env_file(st, tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('units = "km"\n')
    assert st.json("config", "show")["units"] == "km"
    monkeypatch.setenv("SHOETRACK_UNITS", "mi")
    assert st.json("config", "show")["units"] == "mi"
    assert st.json("--units", "km", "config", "show")["units"] == "km"
    other = tmp_path / "other.toml"
    other.write_text('units = "mi"\n[thresholds]\nwarn = "250mi"\nreplace = "400mi"\n')
    monkeypatch.delenv("SHOETRACK_UNITS")
    data = st.json("--config", other, "config", "show")
    assert data["units"] == "mi" and data["replace_m"] == pytest.approx(400 * MI)


def test_units_after_the_subcommand(st):
    st("shoe", "add", "P", "--start-distance", "10mi")
    assert "16.1 km" in st("status", "--units", "km").stdout
    assert "16.1 km" in st("--units", "km", "status").stdout
    assert st.json("config", "show", "--units", "km")["units"] == "km"


def test_broken_config_is_one_line_error(st, tmp_path):
    (tmp_path / "config.toml").write_text("units = \n")
    r = st("status", code=1)
    assert r.stderr.startswith(f"Error: config {tmp_path / 'config.toml'}: ")
    assert r.stderr.count("\n") == 1


def test_named_config_and_db_must_exist(st, tmp_path, monkeypatch):
    r = st("--config", tmp_path / "nope.toml", "status", code=2)
    assert r.stderr == f"Error: config file {tmp_path / 'nope.toml'} does not exist\n"
    r = st("--db", tmp_path / "no-such-folder" / "x.db", "status", code=1)
    assert r.stderr == (
        f"Error: cannot open database {tmp_path / 'no-such-folder' / 'x.db'}: "
        f"folder {tmp_path / 'no-such-folder'} does not exist\n"
    )
    assert not (tmp_path / "no-such-folder").exists()
    monkeypatch.setenv("SHOETRACK_DB", str(tmp_path / "gone" / "x.db"))
    st("status", code=1)
    # The default location is created on first use.
    monkeypatch.delenv("SHOETRACK_DB")
    st("status")
    assert (tmp_path / "xdg-data" / "shoetrack" / "shoetrack.db").is_file()


def test_config_path_does_not_create_anything(st, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOETRACK_DB")
    monkeypatch.delenv("SHOETRACK_CONFIG")
    out = st("config", "path").stdout
    assert out == (
        f"config:   {tmp_path / 'xdg-config' / 'shoetrack' / 'config.toml'}\n"
        f"database: {tmp_path / 'xdg-data' / 'shoetrack' / 'shoetrack.db'}\n"
    )
    assert not (tmp_path / "xdg-data").exists()


def test_config_help_is_not_cut():
    from click.testing import CliRunner

    from shoetrack.cli import cli

    out = CliRunner().invoke(cli, ["config", "--help"]).stdout
    assert "  set   Set KEY to VALUE in the config file.\n" in out
    assert "e.g.\n" not in out


# --- the table is the one place a setting is declared ----------------------------------------


def test_example_config_lists_every_setting_with_its_default_and_loads():
    path = ROOT / "examples" / "config.toml"
    raw = tomllib.loads(path.read_text())
    found = {
        f"{k}.{n}" if isinstance(v, dict) else k
        for k, v in raw.items()
        for n in (v if isinstance(v, dict) else [None])
    }
    assert found == {s.key for s in cfg.SETTINGS}
    c = cfg.load(path)
    for s in cfg.SETTINGS:
        if s.default is not None and s.key not in (
            "email.host",
            "email.username",
            "email.from",
            "email.to",
        ):
            assert c.get(s.key) == cfg.Config().get(s.key), s.key  # the documented default
    assert c.enabled_channels() == ["desktop"]


def test_docs_settings_reference_matches_the_table():
    text = (ROOT / "docs" / "settings.md").read_text()
    assert text.endswith(cfg.settings_markdown()), (
        "docs/settings.md is out of date; regenerate its table with "
        "shoetrack.config.settings_markdown()"
    )


def test_no_other_module_declares_a_setting():
    # The keys of [email], [daemon]... appear as string literals only in the table (and in the
    # sender code that reads them through Config.get or the table).
    import re

    for path in (ROOT / "shoetrack").rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text()
        assert not re.search(r"_CONFIG_KEYS|known = \{\"scan_every\"|def parse_seconds", text), path
