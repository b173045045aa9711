"""GPX and TCX readers on small hand-made documents: exact values and hostile input."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest
from importer_fixtures import (
    BILLION_LAUGHS,
    EXTERNAL,
    PLAIN_DOCTYPE,
    gpx_doc,
    line_points,
    tcx_activity,
    tcx_doc,
)

import importers
from importers import NotAnActivity, ParseError, Undatable
from importers.gpx import haversine_m

STEP = haversine_m(46.0, 14.5, 46.0001, 14.5)  # one 0.0001-degree step north, ~11.12 m


def read_gpx(text: str, **kw):
    return importers.read_bytes(text.encode(kw.pop("encoding", "utf-8")), **kw)


def test_gpx_run_exact_values():
    (a,) = read_gpx(gpx_doc(line_points(101), creator="Garmin Connect"))
    assert a.source == "gpx" and a.sport == "run" and a.has_gps
    assert a.start == datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)
    assert a.distance_m == pytest.approx(100 * STEP, rel=1e-9)
    assert a.elapsed_s == 500.0 and a.moving_s == 500.0  # 2.2 m/s: always moving
    assert a.name == "Morning Run" and a.device == "Garmin Connect"


@pytest.mark.parametrize(
    "typ, sport",
    [
        ("running", "run"),
        ("Run", "run"),
        ("9", "run"),
        ("trail running", "trail_run"),
        ("trail_running", "trail_run"),
        ("hiking", "hike"),
        ("biking", "cycling"),
        ("cycling", "cycling"),
        ("1", "cycling"),
        ("Walking", "walk"),
        ("kayaking", "other"),
    ],
)
def test_gpx_type_mapping(typ, sport):
    (a,) = read_gpx(gpx_doc(line_points(5), type_=typ))
    assert a.sport == sport and a.extra["gpx_type"] == typ


def test_gpx_segments_do_not_bridge_gaps():
    seg1 = line_points(11)
    seg2 = line_points(11, lat0=47.0, start="2026-03-14T08:00:00")  # 110 km away, 30 min later
    (a,) = read_gpx(gpx_doc(None, segments=[seg1, seg2]))
    assert a.distance_m == pytest.approx(20 * haversine_m(46.0, 14.5, 46.0001, 14.5), rel=1e-6)
    assert a.elapsed_s == 100.0  # 50 s per segment; the 30-minute gap is not counted


def test_gpx_stopped_time_is_not_moving():
    pts = line_points(11) + [(46.001, 14.5, f"2026-03-14T07:3{i}:00Z") for i in range(2, 6)]
    (a,) = read_gpx(gpx_doc(pts))
    assert a.elapsed_s == 300.0
    assert a.moving_s == 50.0  # standing at the same spot for 250 s is not moving


def test_gpx_partial_timestamps_use_timed_points():
    pts = line_points(21)
    pts = [(la, lo, t if i % 2 == 0 else None) for i, (la, lo, t) in enumerate(pts)]
    (a,) = read_gpx(gpx_doc(pts))
    assert a.distance_m == pytest.approx(20 * STEP, rel=1e-9)
    assert a.elapsed_s == 100.0
    assert a.warnings == ["10 of 21 points have no time"]


def test_gpx_without_times_needs_a_date():
    pts = [(la, lo, None) for la, lo, _ in line_points(5)]
    with pytest.raises(Undatable, match="--date"):
        read_gpx(gpx_doc(pts))
    (a,) = read_gpx(gpx_doc(pts), date=date(2026, 5, 3))
    assert a.start == datetime(2026, 5, 3, 12, 0, tzinfo=timezone.utc)
    assert a.elapsed_s is None and a.distance_m == pytest.approx(4 * STEP)
    aware = datetime(2026, 5, 3, 6, 15, tzinfo=timezone.utc)
    assert read_gpx(gpx_doc(pts), date=aware)[0].start == aware
    with pytest.raises(ParseError, match="timezone"):
        read_gpx(gpx_doc(pts), date=datetime(2026, 5, 3, 6, 15))


def test_gpx_iso_8859_1_and_bom():
    doc = gpx_doc(line_points(3), name="Läufchen am Wörthersee", encoding="ISO-8859-1")
    (a,) = importers.read_bytes(doc.encode("iso-8859-1"))
    assert a.name == "Läufchen am Wörthersee"
    (b,) = importers.read_bytes(b"\xef\xbb\xbf" + gpx_doc(line_points(3)).encode())
    assert b.distance_m == pytest.approx(2 * STEP)


def test_gpx_1_0_and_no_namespace():
    (a,) = read_gpx(gpx_doc(line_points(3), version="1.0"))
    assert a.distance_m == pytest.approx(2 * STEP)
    doc = gpx_doc(line_points(3)).replace(' xmlns="http://www.topografix.com/GPX/1/1"', "")
    assert read_gpx(doc)[0].distance_m == pytest.approx(2 * STEP)


def test_gpx_route_waypoints_and_single_point_are_not_activities():
    ns = 'xmlns="http://www.topografix.com/GPX/1/1"'
    route = f'<gpx version="1.1" creator="x" {ns}><rte><rtept lat="1" lon="1"/><rtept lat="1.1" lon="1"/></rte></gpx>'
    with pytest.raises(NotAnActivity, match="route"):
        read_gpx(route)
    wpt = f'<gpx version="1.1" creator="x" {ns}><wpt lat="1" lon="1"/></gpx>'
    with pytest.raises(NotAnActivity, match="waypoints"):
        read_gpx(wpt)
    with pytest.raises(NotAnActivity, match="1 track point"):
        read_gpx(gpx_doc(line_points(1)))


@pytest.mark.parametrize(
    "lat, lon, message",
    [
        ("999", "14.5", "track point 2 has latitude 999 out of range"),
        ("nan", "14.5", "track point 2 has latitude nan out of range"),
        ("46.0", "-200", "track point 2 has longitude -200 out of range"),
        ("46.0", "abc", "track point 2 has an unreadable longitude 'abc'"),
    ],
)
def test_gpx_bad_coordinates(lat, lon, message):
    pts = line_points(3)
    pts[1] = (lat, lon, pts[1][2])
    with pytest.raises(ParseError) as err:
        read_gpx(gpx_doc(pts))
    assert str(err.value) == message


def test_gpx_implausible_dates_and_speeds():
    pts = line_points(3, start="1900-01-01T00:00:00")
    with pytest.raises(ParseError, match="before 1990"):
        read_gpx(gpx_doc(pts))
    with pytest.raises(ParseError, match="in the future"):
        read_gpx(gpx_doc(line_points(3, start="2999-01-01T00:00:00")))
    fast = line_points(40, dlat=0.1, step_s=2)  # 11 km every 2 s
    with pytest.raises(ParseError, match="implausible"):
        read_gpx(gpx_doc(fast))
    bad_time = gpx_doc(line_points(3)).replace("2026-03-14T07:30:05Z", "yesterday")
    with pytest.raises(ParseError, match="track point 2 has an unreadable time 'yesterday'"):
        read_gpx(bad_time)


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL, PLAIN_DOCTYPE])
def test_any_doctype_is_refused(doc):
    with pytest.raises(ParseError, match="refused: XML with a DOCTYPE"):
        read_gpx(doc)
    with pytest.raises(ParseError, match="refused: XML with a DOCTYPE"):
        importers.read_bytes(doc.replace("gpx", "TrainingCenterDatabase").encode())


def test_doctype_utf16_is_refused_too():
    with pytest.raises(ParseError, match="DOCTYPE"):
        importers.read_bytes(
            BILLION_LAUGHS.replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode(
                "utf-16"
            )
        )


def test_unknown_xml_and_malformed_xml():
    with pytest.raises(ParseError, match="unknown XML format: root element <kml>"):
        importers.read_bytes(b"<kml></kml>")
    with pytest.raises(ParseError, match="not well-formed"):
        read_gpx(gpx_doc(line_points(3))[:-20])


def test_gpx_reader_is_not_quadratic():
    r"""gpxpy's namespace regex (r'\sxmlns:?[^=]*="[^"]+"') backtracks over every ' xmlns' with no
    '=' after it; a 240 KB valid GPX built that way takes gpxpy seconds. We stay linear."""
    filler = " xmlns" * 40_000
    doc = gpx_doc(line_points(3)).replace(
        "</gpx>", f'<extensions><note xmlns="urn:x">{filler}</note></extensions></gpx>'
    )
    assert len(doc) > 240_000
    t = time.perf_counter()
    (a,) = read_gpx(doc)
    assert time.perf_counter() - t < 0.5
    assert a.distance_m == pytest.approx(2 * STEP)


def test_tcx_run_exact_values():
    (a,) = importers.read_bytes(tcx_doc(f"<Activities>{tcx_activity()}</Activities>"))
    assert (a.source, a.sport, a.distance_m, a.moving_s, a.elapsed_s) == (
        "tcx",
        "run",
        10000.5,
        2990.25,
        2990.25,
    )
    assert a.start == datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)
    assert a.device == "Forerunner 965" and a.has_gps


@pytest.mark.parametrize(
    "sport, expected", [("Running", "run"), ("Biking", "cycling"), ("Other", "other")]
)
def test_tcx_sports(sport, expected):
    (a,) = importers.read_bytes(
        tcx_doc(f"<Activities>{tcx_activity(sport=sport, positions=False)}</Activities>")
    )
    assert a.sport == expected and not a.has_gps


def test_tcx_course_is_not_an_activity():
    body = "<Courses><Course><Name>Loop</Name><Lap><DistanceMeters>100</DistanceMeters></Lap></Course></Courses>"
    with pytest.raises(NotAnActivity, match="TCX course"):
        importers.read_bytes(tcx_doc(body))


def test_tcx_multisport_one_activity_each():
    body = (
        "<Activities><MultiSportSession><Id>2026-03-14T07:30:00Z</Id>"
        f"<FirstSport>{tcx_activity(sport='Biking', laps=((20000.0, 2400.0),))}</FirstSport>"
        "<NextSport><Transition><TotalTimeSeconds>60</TotalTimeSeconds><DistanceMeters>50</DistanceMeters></Transition>"
        f"{tcx_activity(sport='Running', id_='2026-03-14T08:15:00Z', laps=((5000.0, 1500.0),))}</NextSport>"
        "</MultiSportSession></Activities>"
    )
    acts = importers.read_bytes(tcx_doc(body))
    assert [(a.sport, a.distance_m, a.session_index) for a in acts] == [
        ("cycling", 20000.0, 0),
        ("run", 5000.0, 1),
    ]


def test_tcx_bad_number_and_missing_id():
    with pytest.raises(ParseError, match="TCX distance is not a number"):
        importers.read_bytes(
            tcx_doc(f"<Activities>{tcx_activity(laps=(('abc', 10),))}</Activities>")
        )
    with pytest.raises(ParseError, match="not a finite number"):
        importers.read_bytes(
            tcx_doc(f"<Activities>{tcx_activity(laps=(('nan', 10),))}</Activities>")
        )
