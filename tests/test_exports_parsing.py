"""The export parsers' small readers: localized numbers and dates, headers by position."""

from __future__ import annotations

import export_fixtures as ef
import pytest
from export_fixtures import Act, utc

from shoetrack.errors import ShoetrackError
from shoetrack.exports import common, kind_of, strava


@pytest.mark.parametrize(
    "text,value",
    [
        ("10.02", 10.02),
        ("10,02", 10.02),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        (" ", None),
        ("13594491.0", 13594491.0),
    ],
)
def test_number(text, value):
    assert common.number(text) == value


@pytest.mark.parametrize(
    "text,day_first,iso",
    [
        ("May 29, 2022, 3:53:35 PM", False, "2022-05-29T15:53:35"),
        ("Jan 2, 2021, 12:05:00 AM", False, "2021-01-02T00:05:00"),
        ("04.03.2022, 07:05:06", True, "2022-03-04T07:05:06"),
        ("29. Mai 2022, 15:53:35", True, "2022-05-29T15:53:35"),
        ("2022-05-29 15:53:35", False, "2022-05-29T15:53:35"),
        ("13/04/2022, 07:05:06", False, "2022-04-13T07:05:06"),
    ],
)
def test_utc_datetime(text, day_first, iso):
    assert common.utc_datetime(text, day_first=day_first).isoformat() == iso + "+00:00"


def test_bad_date_is_one_line():
    with pytest.raises(ShoetrackError, match="unreadable date 'yesterday'"):
        common.utc_datetime("yesterday")


def test_repeated_headers_read_by_position():
    """A DictReader would keep only the last "Distance" (meters) and "Elapsed Time"; reading by
    position keeps both, and the later, precise ones are used."""
    text, _ = ef.strava_csv(
        [
            Act(
                utc(2022, 5, 29, 15, 53, 35),
                distance_m=10012.4,
                elapsed_s=3001,
                file=None,
                gear="P",
                gear_id="42",
            )
        ]
    )
    cols = strava.columns(text.splitlines()[0].split(","), strava.HEADERS)
    assert len(cols["distance"]) == 2 and len(cols["elapsed"]) == 2
    [rec], ids, bad = strava.read_activities(text)
    assert bad == []
    assert (rec.activity.distance_m, rec.activity.elapsed_s, rec.gear) == (
        10012.4,
        3001.0,
        "name:p",
    )
    assert ids == {"42": "name:p", "name:p": "P"}


def test_unknown_header_language_is_refused():
    with pytest.raises(ShoetrackError, match="no column for id, date, type"):
        strava.read_activities("Identifiant,Quand,Quoi\n1,2,3\n")


def test_kind_of():
    assert kind_of(["activities.csv", "activities/1.fit"]) == ("strava", "")
    assert kind_of(["export_1/activities.csv"]) == ("strava", "export_1/")
    assert kind_of(["DI_CONNECT/DI-Connect-Fitness/a_0_summarizedActivities.json"]) == (
        "garmin",
        "",
    )
    assert kind_of(["apple_health_export/export.xml"]) == ("apple", "apple_health_export/")
    assert kind_of(["a/b/c/activities.csv", "x.fit"]) is None
