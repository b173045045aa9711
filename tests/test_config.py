"""Config: file, environment and option precedence; `config show|path|set`."""
import pytest

MI = 1609.344


def test_config_set_and_show(st, tmp_path):
    assert st("config", "set", "units", "km").stdout == f"Set units = km in {tmp_path / 'config.toml'}.\n"
    st("config", "set", "thresholds.warn", "350mi")
    st("config", "set", "email.host", "smtp.example.org")
    st("config", "set", "email.port", "2525")
    st("config", "set", "email.to", "a@example.org,b@example.org")
    data = st.json("config", "show")
    assert data["units"] == "km"
    assert data["warn_m"] == pytest.approx(350 * MI)
    assert data["email"] == {"host": "smtp.example.org", "port": 2525, "to": ["a@example.org", "b@example.org"]}
    text = (tmp_path / "config.toml").read_text()
    assert 'units = "km"' in text and 'warn = "350mi"' in text
    out = st("config", "show").stdout
    assert "window:   warn 563.3 km, replace 804.7 km" in out


def test_config_set_refuses_bad_values(st, tmp_path):
    assert st("config", "set", "units", "furlongs", code=2).stderr == "Error: units must be mi or km\n"
    assert st("config", "set", "colour", "blue", code=2).stderr == "Error: unknown setting 'colour'\n"
    r = st("config", "set", "thresholds.replace", "100mi", code=1)
    assert r.stderr == "Error: config [thresholds]: replace must be larger than warn\n"
    r = st("config", "set", "email.password", "hunter2", code=2)
    assert "never stored in the config" in r.stderr
    assert not (tmp_path / "config.toml").exists()


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


def test_broken_config_is_one_line_error(st, tmp_path):
    (tmp_path / "config.toml").write_text("units = \n")
    r = st("status", code=1)
    assert r.stderr.startswith(f"Error: config {tmp_path / 'config.toml'}: ")
    assert r.stderr.count("\n") == 1


def test_config_path_does_not_create_anything(st, tmp_path, monkeypatch):
    monkeypatch.delenv("SHOETRACK_DB")
    monkeypatch.delenv("SHOETRACK_CONFIG")
    out = st("config", "path").stdout
    assert out == (f"config:   {tmp_path / 'xdg-config' / 'shoetrack' / 'config.toml'}\n"
                   f"database: {tmp_path / 'xdg-data' / 'shoetrack' / 'shoetrack.db'}\n")
    assert not (tmp_path / "xdg-data").exists()
