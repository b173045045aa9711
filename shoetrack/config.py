"""Settings: CLI option > SHOETRACK_* environment > TOML file > defaults. Loaded once per run.

Thresholds are kept in meters; the TOML file holds them with their unit ("300mi").
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.units import METERS_PER_MILE, parse_distance

APP = "shoetrack"
DEFAULT_WARN_M = 300 * METERS_PER_MILE
DEFAULT_REPLACE_M = 500 * METERS_PER_MILE


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "shoetrack.db"


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


@dataclass
class Config:
    """Loaded settings. warn_m/replace_m are the default window for pairs without their own."""

    units: str = "mi"
    warn_m: float = DEFAULT_WARN_M
    replace_m: float = DEFAULT_REPLACE_M
    email: dict = field(default_factory=dict)
    desktop: dict = field(default_factory=lambda: {"enabled": True})
    daemon: dict = field(default_factory=dict)
    path: Path | None = None  # the file it came from, if any
    raw: dict = field(default_factory=dict)


def resolve_config_path(option: str | None) -> Path:
    if option:
        return Path(option).expanduser()
    env = os.environ.get("SHOETRACK_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_path()


def resolve_db_path(option: str | None) -> Path:
    if option:
        return Path(option).expanduser()
    env = os.environ.get("SHOETRACK_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def load(path: Path, *, units_override: str | None = None) -> Config:
    """Read the TOML file at `path` (a missing file means defaults)."""
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ShoetrackError(f"config {path}: {e}") from None
        except OSError as e:
            raise ShoetrackError(f"cannot read config {path}: {e.strerror}") from None
    return from_dict(raw, path=path, units_override=units_override)


def from_dict(raw: dict, *, path: Path | None = None, units_override: str | None = None) -> Config:
    units = units_override or os.environ.get("SHOETRACK_UNITS") or raw.get("units", "mi")
    if units not in ("mi", "km"):
        raise ShoetrackError(f"config: units must be 'mi' or 'km', not {units!r}")
    thresholds = raw.get("thresholds", {})
    try:
        warn_m = _threshold(thresholds.get("warn", "300mi"), units)
        replace_m = _threshold(thresholds.get("replace", "500mi"), units)
    except UsageProblem as e:
        raise ShoetrackError(f"config [thresholds]: {e}") from None
    if replace_m <= warn_m:
        raise ShoetrackError("config [thresholds]: replace must be larger than warn")
    return Config(
        units=units,
        warn_m=warn_m,
        replace_m=replace_m,
        email=dict(raw.get("email", {})),
        desktop={"enabled": True, **raw.get("desktop", {})},
        daemon=dict(raw.get("daemon", {})),
        path=path,
        raw=raw,
    )


def _threshold(value, units: str) -> float:
    return parse_distance(str(value), units)


# Keys `config set` accepts, with a validator that returns the TOML value to store.
SETTABLE = {
    "units": lambda v: v if v in ("mi", "km") else _bad("units must be mi or km"),
    "thresholds.warn": lambda v: (parse_distance(v, "mi"), v)[1],
    "thresholds.replace": lambda v: (parse_distance(v, "mi"), v)[1],
}


def _bad(msg: str):
    raise UsageProblem(msg)


def set_value(path: Path, key: str, value: str) -> dict:
    """Write one setting into the TOML file (created if missing) and return the new raw dict."""
    import tomli_w

    raw = {}
    if path.exists():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    parts = key.split(".")
    if key in SETTABLE:
        stored = SETTABLE[key](value)
    elif parts[0] in ("email", "desktop", "daemon") and len(parts) == 2:
        stored = _coerce(value)
    else:
        raise UsageProblem(f"unknown setting {key!r}")
    node = raw
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = stored
    from_dict(raw)  # validate the whole file before writing it
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(raw), encoding="utf-8")
    os.replace(tmp, path)
    return raw


def _coerce(value: str):
    low = value.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if value.isdigit():
        return int(value)
    if "," in value:
        return [v.strip() for v in value.split(",") if v.strip()]
    return value
