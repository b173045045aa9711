"""Small readers shared by the export parsers: numbers and dates as exports write them, and the
export's sport names."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from shoetrack.errors import ShoetrackError

# Member names of activity files, as importers reads them (the format is then told by content).
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")


def is_activity_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(ACTIVITY_SUFFIXES) and not base.startswith(".")


def number(text: str | None) -> float | None:
    """A number as a localized export writes it: '10.02', '10,02', '1,234.5', '1.234,5';
    None for a blank cell. Raises ValueError for anything else."""
    if text is None:
        return None
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        return None
    if "," in s and "." in s:
        # The separator that comes last is the decimal one.
        s = (
            s.replace(".", "").replace(",", ".")
            if s.rfind(",") > s.rfind(".")
            else s.replace(",", "")
        )
    elif "," in s:
        s = s.replace(",", ".")
    return float(s)


_MONTHS = {  # English and German month names and abbreviations Strava writes
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "mär": 3,
    "märz": 3,
    "apr": 4,
    "may": 5,
    "mai": 5,
    "jun": 6,
    "juni": 6,
    "jul": 7,
    "juli": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "okt": 10,
    "nov": 11,
    "dec": 12,
    "dez": 12,
}
_MONTH_FIRST = re.compile(
    r"([A-Za-zäÄ]+)\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AaPp][Mm])?$"
)
_DAY_FIRST_NAME = re.compile(r"(\d{1,2})\.? ([A-Za-zäÄ]+)\.? (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})$")
_NUMERIC = re.compile(
    r"(\d{1,4})[./-](\d{1,2})[./-](\d{2,4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AaPp][Mm])?$"
)


def utc_datetime(text: str, *, day_first: bool = False) -> datetime:
    """A UTC date-time as Strava's CSV writes it: 'May 29, 2022, 3:53:35 PM', '29.05.2022,
    15:53:35', '29. Mai 2022, 15:53:35', '2022-05-29 15:53:35'. Numeric dates are day-first
    when `day_first` (the header is localized) or when the first number exceeds 12."""
    s = " ".join(text.split())
    m = _MONTH_FIRST.match(s)
    if m:
        mon, day, year, hh, mi, ss, ampm = m.groups()
        return _build(int(year), _month(mon), int(day), int(hh), int(mi), int(ss), ampm)
    m = _DAY_FIRST_NAME.match(s)
    if m:
        day, mon, year, hh, mi, ss = m.groups()
        return _build(int(year), _month(mon), int(day), int(hh), int(mi), int(ss), None)
    m = _NUMERIC.match(s)
    if m:
        a, b, c, hh, mi, ss, ampm = m.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        elif day_first or int(a) > 12:
            day, month, year = int(a), int(b), int(c)
        else:
            month, day, year = int(a), int(b), int(c)
        year += 2000 if year < 100 else 0
        return _build(year, month, day, int(hh), int(mi), int(ss), ampm)
    raise ShoetrackError(f"unreadable date {text!r}")


def _month(name: str) -> int:
    key = name.lower().rstrip(".")
    month = _MONTHS.get(key) or _MONTHS.get(key[:3])
    if month is None:
        raise ShoetrackError(f"unknown month {name!r}")
    return month


def _build(year, month, day, hh, mi, ss, ampm) -> datetime:
    if ampm:
        hh = hh % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hh, mi, ss, tzinfo=timezone.utc)
    except ValueError as e:
        raise ShoetrackError(f"impossible date: {e}") from None
