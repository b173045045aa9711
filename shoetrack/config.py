"""Settings: CLI option > SHOETRACK_* environment > TOML file > defaults. Loaded once per run.

`SETTINGS` below is the only place a setting is declared: its name, type, default and help.
It drives loading and validating the whole file (an unknown key or a bad value is one line
naming the key and the file), `config set`, `config show`, `examples/config.toml` and
docs/settings.md (tests check both against the table).

Distances are kept in meters (the TOML file holds them with their unit, "300mi"), durations in
seconds ("5m" in the file; a bare TOML number means seconds).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import NoReturn

from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.units import format_seconds, parse_distance, parse_duration

APP = "shoetrack"
# The delivery channels, each a section of the settings table, in the order a digest is queued
# and a test is sent. Declared with the settings so that notify depends on config, never back.
CHANNELS = ("email", "desktop", "push")
DAY_S = 86400.0
# Sections holding a table of settings; `units` is the one top-level key.
SECTIONS = ("thresholds", "email", "desktop", "push", "load", "daemon")
SMTP_SECURITY = ("starttls", "ssl", "none")
# The submission port each mode normally uses, so `email.port` may be left out.
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _bad(reason: str) -> NoReturn:
    raise UsageProblem(reason)


# --- value types: each turns a TOML value into the value used inside (or raises UsageProblem)
#     and typed text from `config set` into the TOML value to store.


@dataclass(frozen=True)
class Kind:
    """A value type: `parse(toml_value)` -> internal value; `from_text(str)` -> TOML value;
    `show` says what is expected, for messages and docs."""

    show: str
    parse: Callable
    from_text: Callable = lambda text: text


def _text(value, *, required: bool = False):
    if not isinstance(value, str):
        _bad(f"must be a string, not {value!r}")
    if "\r" in value or "\n" in value:
        # A line break in a header or SMTP argument would let a value inject headers or commands.
        _bad("must not contain line breaks")
    if required and not value.strip():
        _bad("must not be empty")
    return value.strip()


def _bool(value):
    if not isinstance(value, bool):
        _bad(f"must be true or false, not {value!r}")
    return value


def _bool_text(text: str):
    low = text.strip().lower()
    if low in ("true", "yes", "on", "1"):
        return True
    if low in ("false", "no", "off", "0"):
        return False
    return _bad(f"must be true or false, not {text!r}")


def choice(*options: str) -> Kind:
    def parse(value):
        if value not in options:
            _bad(f"must be one of {', '.join(options)}, not {value!r}")
        return value

    return Kind(" or ".join(f'"{o}"' for o in options), parse)


def integer(low: int, high: int) -> Kind:
    def parse(value):
        # bool is an int in Python; `port = true` is a typo, not port 1.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _bad(f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def from_text(text: str):
        try:
            return int(text.strip())
        except ValueError:
            return _bad(f"must be a whole number from {low} to {high}, not {text!r}")

    return Kind(f"a whole number {low}-{high}", parse, from_text)


def duration(low_s: float, high_s: float) -> Kind:
    """Seconds from "45s", "5m", "1h30m", "2d", "52:30" (the one grammar, units.parse_duration),
    or a bare number of seconds."""

    span = f"between {format_seconds(low_s)} and {format_seconds(high_s)}"
    show = f'a duration, {format_seconds(low_s)} to {format_seconds(high_s)} ("90s", "5m", "1h30m")'

    HINT = "use e.g. 60s, 5m or 1h"

    def parse(value):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            _bad(f"cannot read duration {value!r} ({HINT})")
        if isinstance(value, str) and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
            value = float(value)
        if isinstance(value, str):
            seconds = parse_duration(value, allow_zero=True, max_s=float("inf"), hint=HINT)
        else:
            seconds = float(value)
        if not low_s <= seconds <= high_s:  # also refuses NaN
            _bad(f"must be {span}, not {value!r}")
        return seconds

    return Kind(show, parse)


def _clock(value) -> time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        _bad(f"cannot read time {value!r} (use HH:MM, e.g. 08:00)")
    return time(int(m.group(1)), int(m.group(2)))


def _distance(value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _bad(f'must be a distance such as "300mi", not {value!r}')
    # A bare number takes the file's display unit; the loader re-reads thresholds with it.
    return str(value)


def _address(value) -> str:
    import email.utils  # ~40 ms with email.message: only when an address is checked

    text = _text(value)
    if not text:
        return ""
    addr = email.utils.parseaddr(text)[1]
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        _bad(f"is not an email address: {value!r}")
    return text


def _addresses(value) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        _bad(f"must be an address or a list of addresses, not {value!r}")
    return [a for a in (_address(v) for v in items) if a]


def _urls(value) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        _bad('must be a list of notification URLs, e.g. ["ntfy://ntfy.sh/my-topic"]')
    out = []
    for i, item in enumerate(items, 1):
        url = _text(item)
        if url and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", url, re.I):
            # The URL itself may hold a token: name its position, never its text.
            _bad(f"entry {i} is not a notification URL (scheme://...)")
        if url:
            out.append(url)
    return out


def _list_text(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(value) -> int:
    """0 (Monday) .. 6 (Sunday) for a weekday's name or its first three letters or more."""
    day = value.strip().lower() if isinstance(value, str) else ""
    matches = [i for i, name in enumerate(WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
    if len(matches) != 1:
        _bad(f"must be a weekday (monday .. sunday), not {value!r}")
    return matches[0]


def number(low: float, high: float) -> Kind:
    def parse(value):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):  # also refuses NaN
            _bad(f"must be a number from {low:g} to {high:g}, not {value!r}")
        return value

    def from_text(text: str):
        try:
            value = float(text)
        except ValueError:
            return _bad(f"must be a number from {low:g} to {high:g}, not {text!r}")
        return int(value) if value.is_integer() else value

    return Kind(f"a number {low:g}-{high:g}", parse, from_text)


TEXT = Kind("a string", _text)
BOOL = Kind("true or false", _bool, _bool_text)
CLOCK = Kind('a local time "HH:MM"', _clock)
DISTANCE = Kind('a distance, e.g. "300mi" or "480km"', _distance)
ADDRESS = Kind('an email address, e.g. "shoetrack <me@example.org>"', _address)
ADDRESSES = Kind(
    "a list of email addresses (comma-separated for `config set`)", _addresses, _list_text
)
URLS = Kind('a list of apprise URLs, e.g. ["ntfy://ntfy.sh/my-topic"]', _urls, _list_text)
PATH = Kind("a file path", _text)


@dataclass(frozen=True)
class Setting:
    """One setting: `key` is "section.name" (or "units"); `default` is a TOML value (None: not
    set, see the help); `secret` values are redacted by `config show`."""

    key: str
    kind: Kind
    default: object
    help: str
    secret: bool = False

    @property
    def section(self) -> str:
        return self.key.split(".")[0] if "." in self.key else ""

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[-1]


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "units",
        choice("mi", "km"),
        "mi",
        "Display units, and the unit of bare numbers typed on input.",
    ),
    Setting(
        "thresholds.warn",
        DISTANCE,
        "300mi",
        "Default start of the replacement window for a pair without its own.",
    ),
    Setting(
        "thresholds.replace",
        DISTANCE,
        "500mi",
        "Default replace distance for a pair without its own; larger than warn.",
    ),
    Setting(
        "email.enabled", BOOL, None, "Send alerts by email (default: on when email.host is set)."
    ),
    Setting("email.host", TEXT, "", 'SMTP server, e.g. "smtp.example.org".'),
    Setting(
        "email.port",
        integer(1, 65535),
        None,
        "SMTP port (default: 587 for starttls, 465 for ssl, 25 for none).",
    ),
    Setting(
        "email.security",
        choice(*SMTP_SECURITY),
        "starttls",
        "starttls (refuses a server without it), ssl (implicit TLS) or none.",
    ),
    Setting(
        "email.username",
        TEXT,
        "",
        "SMTP login; the password comes from SHOETRACK_SMTP_PASSWORD or the system keyring, "
        "never from this file.",
    ),
    Setting("email.from", ADDRESS, "", "Sender address (default: the username, if an address)."),
    Setting("email.to", ADDRESSES, [], "Recipients: an address or a list of addresses."),
    Setting(
        "email.cafile",
        PATH,
        "",
        "PEM file of certificates to trust instead of the system's (self-hosted servers).",
    ),
    Setting(
        "email.timeout",
        duration(1, 600),
        "15s",
        "Limit for each network step with the SMTP server.",
    ),
    Setting("desktop.enabled", BOOL, True, "Show alerts as desktop notifications."),
    Setting(
        "desktop.timeout", duration(1, 600), "5s", "Limit for talking to the notification service."
    ),
    Setting(
        "push.enabled",
        BOOL,
        None,
        "Send alerts to the phone through apprise (default: on when push.urls is set).",
    ),
    Setting(
        "push.urls",
        URLS,
        [],
        "apprise URLs (ntfy://, pover://, tgram://, json:// ...); they often hold tokens, so "
        "they are never logged or shown.",
        secret=True,
    ),
    Setting("push.timeout", duration(1, 600), "15s", "Limit for each push request."),
    Setting(
        "load.week_start",
        Kind('a weekday, "monday" .. "sunday"', _weekday),
        "monday",
        "The first day of a training week (local time), for `shoetrack load`.",
    ),
    Setting(
        "load.alert",
        BOOL,
        False,
        "Send the optional training-load alerts through the same channels.",
    ),
    Setting(
        "load.alert_spike",
        number(0, 1000),
        10,
        "Alert on a run this many percent longer than the longest of the 30 days before.",
    ),
    Setting(
        "load.alert_week",
        BOOL,
        True,
        "Also alert on a week more than 10% above the four weeks before.",
    ),
    Setting(
        "daemon.scan_every",
        duration(1, DAY_S),
        "5m",
        "How often `shoetrack daemon` scans the watched folders.",
    ),
    Setting("daemon.alert_check", CLOCK, "08:00", "Daily alert check, local time."),
    Setting(
        "daemon.settle",
        duration(0, DAY_S),
        "60s",
        "A file must be unchanged this long before it is read.",
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}


def default(key: str):
    """The setting's default as used inside (seconds for a duration): read from the table above,
    so each default is written once."""
    s = BY_KEY[key]
    return s.kind.parse(s.default)


# The default window in meters (its text names its unit, so no display unit is involved).
DEFAULT_WARN_M = parse_distance(str(BY_KEY["thresholds.warn"].default))
DEFAULT_REPLACE_M = parse_distance(str(BY_KEY["thresholds.replace"].default))
# The setting whose value turns a channel on when its `enabled` is not set.
_NEEDS = {"email": "email.host", "push": "push.urls"}


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "shoetrack.db"


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


@dataclass
class Config:
    """Loaded settings. warn_m/replace_m (meters) are the default window for pairs without their
    own; the section dicts hold the file's values as written (get() reads them typed)."""

    units: str = "mi"
    warn_m: float = DEFAULT_WARN_M
    replace_m: float = DEFAULT_REPLACE_M
    email: dict = field(default_factory=dict)
    desktop: dict = field(default_factory=dict)
    push: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)
    daemon: dict = field(default_factory=dict)
    path: Path | None = None  # the file it came from, if any
    raw: dict = field(default_factory=dict)

    def get(self, key: str):
        """The typed value of setting `key` (seconds for durations, a time for clocks...): the
        file's value, else the default. None for an optional setting not set."""
        s = BY_KEY[key]
        if key == "units":
            return self.units
        value = (getattr(self, s.section, None) or {}).get(s.name, s.default)
        if value is None:
            return None
        try:
            return s.kind.parse(value)
        except UsageProblem as e:
            raise ShoetrackError(f"config{_where(self.path)}: {key} {e}") from None

    def enabled_channels(self) -> list[str]:
        """Channels alerts go to: email and push when enabled (by default, when they have a host
        / URLs), desktop unless turned off."""
        out = []
        for channel in CHANNELS:
            on = self.get(f"{channel}.enabled")
            if on is None:  # email and push: on once they have somewhere to send to
                on = bool(self.get(_NEEDS[channel]))
            if on:
                out.append(channel)
        return out


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


def _where(path: Path | None) -> str:
    return f" {path}" if path else ""


def read_raw(path: Path) -> dict:
    """The TOML file at `path` as a dict ({} when missing); a syntax error is one line."""
    if not path.exists():
        return {}
    # Imported here, not at the top: ~1.7 ms of every command's start-up, needed only when a
    # config file exists.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ShoetrackError(f"config {path}: {e}") from None
    except OSError as e:
        raise ShoetrackError(f"cannot read config {path}: {e.strerror}") from None


def load(path: Path, *, units_override: str | None = None, must_exist: bool = False) -> Config:
    """Read and validate the TOML file at `path` (a missing file means defaults, unless
    `must_exist`: a file named on the command line that is not there is a mistake)."""
    if "\0" in str(path):
        raise UsageProblem(f"config file {str(path)!r}: a path cannot contain a NUL byte")
    if must_exist and not path.exists():
        raise UsageProblem(f"config file {path} does not exist")
    return from_dict(read_raw(path), path=path, units_override=units_override)


def validate(raw: dict, path: Path | None = None) -> None:
    """Refuse the first unknown key or bad value in the whole file, with one line naming it."""
    where = f"config{_where(path)}"
    for name, value in raw.items():
        if name in SECTIONS:
            if not isinstance(value, dict):
                raise ShoetrackError(f"{where}: [{name}] must be a table")
            for sub, v in value.items():
                _check(f"{name}.{sub}", v, where)
        else:
            _check(name, value, where)


def _check(key: str, value, where: str) -> None:
    # A bad file is not a bad command line: exit status 1, like an unreadable file.
    s = BY_KEY.get(key)
    if s is None:
        raise ShoetrackError(f"{where}: unknown setting {key!r}{_suggest(key)}")
    try:
        s.kind.parse(value)
    except UsageProblem as e:
        raise ShoetrackError(f"{where}: {key} {e}") from None


def _suggest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(BY_KEY), n=1)
    return f" (did you mean {close[0]}?)" if close else " (see docs/settings.md)"


def from_dict(raw: dict, *, path: Path | None = None, units_override: str | None = None) -> Config:
    validate(raw, path)
    where = f"config{_where(path)}"
    units = units_override or os.environ.get("SHOETRACK_UNITS") or raw.get("units", "mi")
    if units not in ("mi", "km"):
        raise ShoetrackError(f"{where}: units must be 'mi' or 'km', not {units!r}")
    thresholds = raw.get("thresholds", {})
    try:
        key = "thresholds.warn"
        warn_m = parse_distance(str(thresholds.get("warn", BY_KEY[key].default)), units)
        key = "thresholds.replace"
        replace_m = parse_distance(str(thresholds.get("replace", BY_KEY[key].default)), units)
    except UsageProblem as e:
        raise ShoetrackError(f"{where}: {key} {e}") from None
    if replace_m <= warn_m:
        raise ShoetrackError(f"{where}: thresholds.replace must be larger than thresholds.warn")
    return Config(
        units=units,
        warn_m=warn_m,
        replace_m=replace_m,
        path=path,
        raw=raw,
        **{s: dict(raw.get(s, {})) for s in SECTIONS if s != "thresholds"},
    )


def set_value(path: Path, key: str, value: str) -> dict:
    """Write one setting into the TOML file (created if missing), after validating the whole
    new file; returns the new raw dict. Nothing is written when anything is wrong."""
    import tomli_w

    s = BY_KEY.get(key)
    if s is None:
        raise UsageProblem(f"config {path}: unknown setting {key!r}{_suggest(key)}")
    try:
        stored = s.kind.from_text(value)
        s.kind.parse(stored)
    except UsageProblem as e:
        raise UsageProblem(f"config {path}: {key} {e}") from None
    raw = read_raw(path)
    node = raw
    for p in key.split(".")[:-1]:
        node = node.setdefault(p, {})
    node[s.name] = stored
    from_dict(raw, path=path)  # the whole file must still load (warn below replace...)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(tomli_w.dumps(raw), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise ShoetrackError(f"cannot write config {path}: {e.strerror}") from None
    return raw


def shown(config: Config) -> dict:
    """Every setting's effective value as written in TOML terms, secrets redacted: the data of
    `config show`."""
    out: dict = {}
    for s in SETTINGS:
        if s.key == "units":
            out["units"] = config.units
            continue
        value = (getattr(config, s.section, None) or config.raw.get(s.section, {})).get(
            s.name, s.default
        )
        if s.secret and value:
            value = [redact_url(u) for u in (value if isinstance(value, list) else [value])]
        out.setdefault(s.section, {})[s.name] = value
    return out


def redact_url(url: str) -> str:
    """'ntfy://***' for any URL: the scheme says which service, the rest may be a token."""
    scheme, sep, _rest = str(url).partition("://")
    return f"{scheme}://***" if sep else "***"


def settings_markdown() -> str:
    """The settings reference of docs/settings.md, rendered from SETTINGS (a test keeps the
    file equal to it)."""
    lines = ["| setting | type | default | meaning |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = "(not set)" if s.default is None else _toml_text(s.default)
        lines.append(f"| `{s.key}` | {s.kind.show} | `{default}` | {s.help} |")
    return "\n".join(lines) + "\n"


def _toml_text(value) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return json.dumps(value)
