"""GPX files holding several outings, sport inference for untyped tracks, and timestamps whose
UTC offset leaves the calendar: exact values through the public readers."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest
from importer_fixtures import gpx_doc, line_points, tcx_doc

import importers
from importers import ParseError, infer
from importers.gpx import OUTING_GAP_S, haversine_m


def read(doc: str):
    return importers.read_bytes(doc.encode())


def tracks(*trks: str) -> str:
    return gpx_doc([]).replace(
        "<trk><name>Morning Run</name><trkseg></trkseg></trk>", "".join(trks)
    )


def trk(points, name=None, type_=None) -> str:
    pts = "".join(f'<trkpt lat="{la}" lon="{lo}"><time>{t}</time></trkpt>' for la, lo, t in points)
    return (
        f"<trk>{f'<name>{name}</name>' if name else ''}{f'<type>{type_}</type>' if type_ else ''}"
        f"<trkseg>{pts}</trkseg></trk>"
    )


def path_m(points) -> float:
    return sum(
        haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:], strict=False)
    )


def test_three_tracks_on_three_days_are_three_activities():
    days = [
        line_points(21, start=f"2026-03-{d}T07:30:00", lat0=46.0 + d / 100) for d in (14, 15, 16)
    ]
    acts = read(tracks(*(trk(p, name=f"Day {i}") for i, p in enumerate(days, 1))))
    assert [a.start for a in acts] == [
        datetime(2026, 3, d, 7, 30, tzinfo=timezone.utc) for d in (14, 15, 16)
    ]
    assert [a.session_index for a in acts] == [0, 1, 2]
    assert [a.name for a in acts] == ["Day 1", "Day 2", "Day 3"]
    for a, p in zip(acts, days, strict=True):
        assert a.distance_m == pytest.approx(path_m(p), rel=1e-12)
        assert a.elapsed_s == 100.0 and a.extra["points"] == 21 and a.extra["gpx_outings"] == 3


def test_tracks_stored_out_of_order_are_ordered_by_start():
    late, early = (
        line_points(5, start="2026-03-20T07:00:00"),
        line_points(5, start="2026-03-10T07:00:00"),
    )
    acts = read(tracks(trk(late, name="late"), trk(early, name="early")))
    assert [a.name for a in acts] == ["early", "late"]
    assert acts[0].start == datetime(2026, 3, 10, 7, tzinfo=timezone.utc)


def test_a_logger_dump_in_one_segment_splits_at_long_gaps():
    """A logger's one segment over years: a gap over 3 hours between two points is a new outing,
    and the jump between them is not distance."""
    a = line_points(10, start="2012-05-01T07:00:00")
    b = line_points(10, start="2013-06-01T18:00:00", lat0=47.0)
    c = line_points(10, start="2015-01-02T09:00:00", lat0=48.0)
    acts = read(tracks(trk(a + b + c)))
    assert [x.start.year for x in acts] == [2012, 2013, 2015]
    assert [x.distance_m for x in acts] == pytest.approx(
        [path_m(a), path_m(b), path_m(c)], rel=1e-12
    )
    assert [x.extra["points"] for x in acts] == [10, 10, 10]


def test_a_pause_inside_one_outing_stays_one_activity():
    before = line_points(20, start="2026-03-14T07:30:00")
    after = line_points(20, start="2026-03-14T07:51:35", lat0=46.002)  # 20 minutes later
    (a,) = read(tracks(trk(before + after)))
    assert a.start == datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)
    assert a.distance_m == pytest.approx(path_m(before + after), rel=1e-12)
    assert a.elapsed_s == 95 + 1200 + 95  # 07:30:00 .. 07:51:35 + 95 s
    assert "gpx_outings" not in a.extra


def test_segments_of_one_outing_are_one_activity():
    s1 = line_points(11)
    s2 = line_points(11, lat0=46.01, start="2026-03-14T08:00:00")  # 29 min after s1 ends
    (a,) = importers.read_bytes(gpx_doc(None, segments=[s1, s2]).encode())
    assert a.distance_m == pytest.approx(path_m(s1) + path_m(s2), rel=1e-12)
    assert a.elapsed_s == 100.0 and a.session_index == 0


def test_just_over_the_gap_is_another_outing_and_just_under_is_not():
    p1 = line_points(3, start="2026-03-14T07:00:00")  # ends 07:00:10
    under = line_points(3, start="2026-03-14T10:00:10")  # exactly OUTING_GAP_S later
    over = line_points(3, start="2026-03-14T10:00:11")
    assert OUTING_GAP_S == 3 * 3600
    assert len(read(tracks(trk(p1), trk(under)))) == 1
    assert len(read(tracks(trk(p1), trk(over)))) == 2


# --- sport inference --------------------------------------------------------------------------


def test_untyped_ride_is_inferred_cycling():
    ride = line_points(120, dlat=0.0004, step_s=5)  # 44.5 m every 5 s: 8.9 m/s, 32 km/h
    (a,) = read(gpx_doc(ride, type_=None))
    assert (a.sport, a.sport_inferred) == ("cycling", True)
    assert a.extra["median_moving_speed_ms"] == pytest.approx(8.896, abs=0.001)
    assert a.warnings == [
        "sport inferred as cycling from a median moving speed of 32.0 km/h "
        "(the file names no sport)"
    ]


def test_untyped_run_stays_a_run_but_is_marked_inferred():
    run = line_points(120, dlat=0.00015, step_s=5)  # 3.3 m/s
    (a,) = read(gpx_doc(run, type_=None))
    assert (a.sport, a.sport_inferred, a.warnings) == ("run", True, [])
    assert a.extra["median_moving_speed_ms"] == pytest.approx(3.336, abs=0.001)


def test_untyped_car_is_other_and_a_typed_fast_track_keeps_its_type():
    car = line_points(60, dlat=0.0015, step_s=5)  # 33 m/s
    (a,) = read(gpx_doc(car, type_=None))
    assert (a.sport, a.sport_inferred) == ("other", True)
    (b,) = read(gpx_doc(line_points(120, dlat=0.0004), type_="running"))
    assert (b.sport, b.sport_inferred) == ("run", False)
    assert "median_moving_speed_ms" not in b.extra


def test_median_is_weighted_by_time_and_stops_do_not_count():
    # 10 s at 9 m/s against 100 one-second samples at 3 m/s: the time-weighted median is 3 m/s
    assert infer.median_speed([9.0] * 10 + [3.0] * 100, [1.0] * 10 + [1.0] * 100) == 3.0
    assert infer.median_speed([9.0, 3.0], [100.0, 10.0]) == 9.0
    assert infer.median_speed([], []) is None
    assert [infer.sport_for(v) for v in (None, 6.9, 7.0, 7.01, 20.0, 20.5)] == [
        "run",
        "run",
        "run",
        "cycling",
        "cycling",
        "other",
    ]
    stop_and_go = line_points(60, dlat=0.0004, step_s=5) + line_points(
        200, lat0=46.03, dlat=0.0, start="2026-03-14T07:35:00"
    )  # a long stop: not moving
    (a,) = read(gpx_doc(stop_and_go))
    assert a.sport == "cycling"


def test_tcx_without_sport_is_inferred_from_its_trackpoints():
    t0 = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc).timestamp()
    tps = "".join(
        f"<Trackpoint><Time>{datetime.fromtimestamp(t0 + i * 2, timezone.utc):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<DistanceMeters>{i * 19.0}</DistanceMeters></Trackpoint>"
        for i in range(100)
    )  # 9.5 m/s
    act = (
        '<Activity{}><Id>2026-03-14T07:30:00Z</Id><Lap StartTime="2026-03-14T07:30:00Z">'
        "<TotalTimeSeconds>198</TotalTimeSeconds><DistanceMeters>1881</DistanceMeters>"
        f"<Track>{tps}</Track></Lap></Activity>"
    )
    untyped, typed = act.format(""), act.format(' Sport="Running"')
    (a,) = importers.read_bytes(tcx_doc(f"<Activities>{untyped}</Activities>"))
    assert (a.sport, a.sport_inferred, a.distance_m) == ("cycling", True, 1881.0)
    assert a.extra["median_moving_speed_ms"] == 9.5
    (b,) = importers.read_bytes(tcx_doc(f"<Activities>{typed}</Activities>"))
    assert (b.sport, b.sport_inferred) == ("run", False)


# --- timestamps out of the calendar -----------------------------------------------------------

OUT_OF_RANGE = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-05:00",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-00:01",
    "2026-02-30T00:00:00Z",
    "2026-03-14T24:00:00Z",
    "2026-03-14T07:30:00+24:00",
]


@pytest.mark.parametrize("stamp", OUT_OF_RANGE)
def test_out_of_range_times_are_parse_errors_in_gpx(stamp):
    pts = line_points(3)
    pts[1] = (pts[1][0], pts[1][1], stamp)
    with pytest.raises(ParseError) as err:
        importers.read_bytes(gpx_doc(pts).encode())
    assert type(err.value) is ParseError
    assert str(err.value) == f"track point 2 has an unreadable time {stamp!r}"
    with pytest.raises(ParseError):
        importers.read_bytes(gzip.compress(gpx_doc(pts).encode()))


@pytest.mark.parametrize("stamp", OUT_OF_RANGE)
@pytest.mark.parametrize("where", ["Id", "StartTime", "Time"])
def test_out_of_range_times_are_parse_errors_in_tcx(stamp, where):
    ident = stamp if where == "Id" else "2026-03-14T07:30:00Z"
    start = stamp if where == "StartTime" else "2026-03-14T07:30:00Z"
    tp = stamp if where == "Time" else "2026-03-14T07:40:00Z"
    idtag = "" if where == "StartTime" else f"<Id>{ident}</Id>"
    doc = tcx_doc(
        f'<Activities><Activity Sport="Running">{idtag}<Lap StartTime="{start}">'
        "<TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>2000</DistanceMeters>"
        f"<Track><Trackpoint><Time>{tp}</Time></Trackpoint></Track></Lap></Activity></Activities>"
    )
    with pytest.raises(ParseError) as err:
        importers.read_bytes(doc)
    assert "is not a date-time" in str(err.value) and stamp in str(err.value)


def test_time_shapes_read_alike_on_every_python():
    from importers._xml import micros

    base = micros("2026-03-14T07:30:00Z")
    assert base == 1773473400 * 10**6
    assert micros("2026-03-14T07:30:00.250Z") == base + 250_000
    assert micros("2026-03-14T07:30:00.1234567Z") == base + 123_456
    assert micros("2026-03-14T08:30:00+01:00") == base == micros("2026-03-14T08:30:00+0100")
    assert micros(" 2026-03-14T07:30:00 \n") == base == micros("2026-03-14 07:30:00z")
    assert micros("2026-03-14T07:30Z") == base
    for bad in (
        "2026-W11-6T07:30:00",
        "20260314T073000Z",
        "2026-03-14",
        "yesterday",
        "2026-03-14T07:30:00+01:00:00",
        "２０２６-03-14T07:30:00Z",
    ):
        with pytest.raises(ValueError):
            micros(bad)
