from datetime import datetime, timedelta, timezone

import pytest

from shoetrack.errors import UsageProblem
from shoetrack.units import (
    format_distance,
    format_duration,
    parse_distance,
    parse_duration,
    parse_when,
)


@pytest.mark.parametrize(
    "text,unit,meters",
    [
        ("5mi", "km", 8046.72),
        ("5 mi", "km", 8046.72),
        ("3.1miles", "km", 4988.9664),
        ("10k", "mi", 10000.0),
        ("10km", "mi", 10000.0),
        ("800m", "mi", 800.0),
        ("marathon", "mi", 42195.0),
        ("half", "mi", 21097.5),
        ("Half-Marathon", "km", 21097.5),
        ("5", "mi", 8046.72),
        ("5", "km", 5000.0),
        (".5", "mi", 804.672),
    ],
)
def test_parse_distance(text, unit, meters):
    assert parse_distance(text, unit) == pytest.approx(meters)


@pytest.mark.parametrize(
    "text,message",
    [
        ("-5mi", "distance must not be negative: '-5mi'"),
        ("0", "distance must be greater than zero: '0'"),
        ("five", "cannot read distance 'five' (try 5mi, 10k, 800m, marathon)"),
        ("5furlongs", "unknown unit 'furlongs' in '5furlongs' (use mi, km, k or m)"),
        ("nan", "cannot read distance 'nan' (try 5mi, 10k, 800m, marathon)"),
        ("inf", "cannot read distance 'inf' (try 5mi, 10k, 800m, marathon)"),
        ("99999mi", "distance '99999mi' is implausibly large"),
    ],
)
def test_parse_distance_errors(text, message):
    with pytest.raises(UsageProblem) as e:
        parse_distance(text, "mi")
    assert str(e.value) == message


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("52:30", 3150),
        ("1:02:03", 3723),
        ("45m", 2700),
        ("1h5m", 3900),
        ("90s", 90),
        ("0:30", 30),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:99", "-5:00", "0:00", "1:2:3:4"])
def test_parse_duration_errors(text):
    with pytest.raises(UsageProblem):
        parse_duration(text)


def test_format():
    assert format_distance(8046.72, "mi") == "5.0 mi"
    assert format_distance(8046.72, "km") == "8.0 km"
    assert format_duration(3723) == "1:02:03"
    assert format_duration(3150) == "52:30"


def test_parse_when_refuses_future_and_accepts_today():
    now = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
    with pytest.raises(UsageProblem, match="is in the future"):
        parse_when("2026-12-01", now=now)
    assert parse_when("today", now=now) <= now
    assert parse_when("2026-11-20T07:30:00+00:00", now=now) == datetime(
        2026, 11, 20, 7, 30, tzinfo=timezone.utc
    )
    with pytest.raises(UsageProblem, match="implausibly early"):
        parse_when("1900-01-01", now=now)
    assert now - parse_when("yesterday", now=now) < timedelta(days=2)
