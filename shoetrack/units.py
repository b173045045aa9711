"""Parsing and formatting of distances, durations and dates typed by users.

Everything parses to SI: meters, seconds, timezone-aware UTC datetimes.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone

from shoetrack.errors import UsageProblem

METERS_PER_MILE = 1609.344
METERS_PER_KM = 1000.0
MARATHON_M = 42195.0
HALF_MARATHON_M = 21097.5
# Nothing a shoe sees in one go is longer than this; a larger number is a typo.
MAX_DISTANCE_M = 1_000_000.0
# Nothing recorded before this year is a real activity (the store refuses earlier starts).
EARLIEST_YEAR = 1990

UNIT_FACTORS = {
    "mi": METERS_PER_MILE,
    "mile": METERS_PER_MILE,
    "miles": METERS_PER_MILE,
    "km": METERS_PER_KM,
    "k": METERS_PER_KM,
    "kms": METERS_PER_KM,
    "m": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "metres": 1.0,
}
NAMED = {
    "marathon": MARATHON_M,
    "half": HALF_MARATHON_M,
    "half-marathon": HALF_MARATHON_M,
    "halfmarathon": HALF_MARATHON_M,
    "half_marathon": HALF_MARATHON_M,
}
_DIST_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-z]*)\s*$")


def parse_distance(text: str, default_unit: str = "mi", *, allow_zero: bool = False) -> float:
    """Meters for '5mi', '10k', '800m', 'marathon', 'half', or a bare number in default_unit."""
    raw = str(text).strip().lower()
    if raw in NAMED:
        return NAMED[raw]
    m = _DIST_RE.match(raw)
    if not m:
        raise UsageProblem(f"cannot read distance {text!r} (try 5mi, 10k, 800m, marathon)")
    number, unit = m.groups()
    unit = unit or default_unit
    if unit not in UNIT_FACTORS:
        raise UsageProblem(f"unknown unit {unit!r} in {text!r} (use mi, km, k or m)")
    value = float(number) * UNIT_FACTORS[unit]
    if not math.isfinite(value) or value < 0:
        raise UsageProblem(f"distance must not be negative: {text!r}")
    if value == 0 and not allow_zero:
        raise UsageProblem(f"distance must be greater than zero: {text!r}")
    if value > MAX_DISTANCE_M:
        raise UsageProblem(f"distance {text!r} is implausibly large")
    return value


def unit_factor(units: str) -> float:
    return METERS_PER_MILE if units == "mi" else METERS_PER_KM


def to_units(meters: float, units: str) -> float:
    return meters / unit_factor(units)


def format_distance(meters: float | None, units: str, digits: int = 1) -> str:
    """'305.2 mi' / '491.2 km' for meters."""
    if meters is None:
        return "-"
    return f"{to_units(meters, units):,.{digits}f} {units}"


_DUR_RE = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?"
    r"\s*(?:(\d+(?:\.\d+)?)s)?\s*$"
)
WEEK_S = 7 * 86400.0


def parse_duration(
    text: str,
    *,
    allow_zero: bool = False,
    max_s: float = WEEK_S,
    hint: str = "try 52:30 or 1:02:03",
) -> float:
    """Seconds for '52:30' (mm:ss), '1:02:03' (h:mm:ss), '45m', '1h5m', '3600s', '2d'.

    The one duration grammar of shoetrack (activity times and the durations in the config).
    Refuses zero unless `allow_zero`, and more than `max_s` seconds (default a week); `hint`
    ends the message for unreadable text."""
    raw = str(text).strip().lower().replace(" ", "")
    if ":" in raw:
        parts = raw.split(":")
        if len(parts) > 3 or not all(re.fullmatch(r"\d+(?:\.\d+)?", p) for p in parts):
            raise UsageProblem(f"cannot read duration {text!r} ({hint})")
        values = [float(p) for p in parts]
        if any(v >= 60 for v in values[1:]):
            raise UsageProblem(
                f"cannot read duration {text!r}: minutes and seconds must be below 60"
            )
        seconds = 0.0
        for v in values:
            seconds = seconds * 60 + v
    else:
        m = _DUR_RE.match(raw)
        if not raw or not m or not any(m.groups()):
            raise UsageProblem(f"cannot read duration {text!r} ({hint})")
        d, h, mi, s = (float(g or 0) for g in m.groups())
        seconds = d * 86400 + h * 3600 + mi * 60 + s
    if (
        not math.isfinite(seconds)
        or seconds < 0
        or (seconds == 0 and not allow_zero)
        or seconds > max_s
    ):
        raise UsageProblem(f"duration {text!r} is out of range")
    return seconds


def format_seconds(seconds: float) -> str:
    """The shortest form parse_duration reads back: '5m', '90m', '1d', '2.5s'."""
    s = int(seconds)
    if s != seconds:
        return f"{seconds:g}s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s and s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def parse_day(text: str, *, today: date | None = None) -> date:
    """A calendar date: YYYY-MM-DD, 'today' or 'yesterday'."""
    today = today or datetime.now().astimezone().date()
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - timedelta(days=1)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise UsageProblem(f"cannot read date {text!r} (use YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        # Well-formed but impossible (2026-02-30, month 13): say so, the format was right.
        raise UsageProblem(f"date {text!r} does not exist") from None


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """UTC start time for --date: a day (local noon, so the local date survives any offset),
    or a local date-time 'YYYY-MM-DDTHH:MM'. Refuses the future."""
    now = now or datetime.now(timezone.utc)
    raw = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]", raw):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            raise UsageProblem(
                f"cannot read date {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            ) from None
        day = when.date()
    else:
        day = parse_day(raw, today=now.astimezone().date())
        when = datetime.combine(day, time(12, 0))
    # Checked on the calendar date first: converting year 1 or 9999 between zones overflows.
    if day.year < EARLIEST_YEAR:
        raise UsageProblem(f"date {text!r} is implausibly early")
    if day > now.astimezone().date() + timedelta(days=1):
        raise UsageProblem(f"date {text!r} is in the future")
    if when.tzinfo is None:
        when = when.astimezone()  # naive = local wall time, DST-aware
    if ":" not in raw and day <= now.astimezone().date() and when > now:
        when = now  # logging today's run in the morning: not "in the future"
    when = when.astimezone(timezone.utc).replace(microsecond=0)
    if when > now + timedelta(minutes=5):
        raise UsageProblem(f"date {text!r} is in the future")
    return when


def iso(dt: datetime) -> str:
    """Stored form of a UTC datetime: '2026-11-20T07:30:00Z' (sorts as text)."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def local_date(start_iso: str) -> date:
    """The runner's calendar date of a stored UTC start (their machine's time zone)."""
    return from_iso(start_iso).astimezone().date()


def day_start_utc(day: date) -> str:
    """ISO UTC of local midnight starting `day`: the bound for date-range queries. Days far
    outside any activity (year 1, year 9999) are clamped: converting them between time zones
    would overflow, and nothing is stored before EARLIEST_YEAR anyway."""
    day = min(max(day, date(EARLIEST_YEAR - 1, 1, 1)), date(9999, 12, 30))
    return iso(datetime.combine(day, time(0, 0)).astimezone())
