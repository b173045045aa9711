"""Shared helpers for the importer tests: the FIT writer from examples/ and small builders."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import fitwriter  # lives in examples/ (on sys.path through conftest), shared with examples/generate.py

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "importers"

START = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)


def fit_run(**kw) -> bytes:
    """A FIT road run: 10,000.00 m in 50 min (timer 49 min), 20 records with positions."""
    sessions = kw.pop(
        "sessions",
        [{"sport": 1, "sub_sport": 0, "distance_m": 10000.0, "elapsed_s": 3000, "timer_s": 2940}],
    )
    return fitwriter.activity(kw.pop("start", START), sessions, **kw).to_bytes()


def gpx_doc(
    points,
    *,
    version="1.1",
    type_=None,
    name="Morning Run",
    creator="test",
    encoding="UTF-8",
    extra="",
    segments=None,
) -> str:
    """A GPX document; ``points`` is a list of (lat, lon, iso time or None)."""
    ns = (
        "http://www.topografix.com/GPX/1/1"
        if version == "1.1"
        else "http://www.topografix.com/GPX/1/0"
    )
    segs = segments if segments is not None else [points]
    body = []
    for seg in segs:
        pts = []
        for lat, lon, t in seg:
            tt = f"<time>{t}</time>" if t else ""
            pts.append(f'<trkpt lat="{lat}" lon="{lon}"><ele>300</ele>{tt}</trkpt>')
        body.append("<trkseg>" + "".join(pts) + "</trkseg>")
    typ = f"<type>{type_}</type>" if type_ else ""
    nm = f"<name>{name}</name>" if name else ""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<gpx version="{version}" creator="{creator}" xmlns="{ns}">{extra}'
        f"<trk>{nm}{typ}{''.join(body)}</trk></gpx>\n"
    )


def line_points(n=101, *, lat0=46.0, lon0=14.5, dlat=0.0001, start="2026-03-14T07:30:00", step_s=5):
    """n points due north, ``dlat`` degrees apart, ``step_s`` seconds apart (UTC)."""
    t0 = datetime.fromisoformat(start).replace(tzinfo=timezone.utc).timestamp()
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return [
        (
            round(lat0 + i * dlat, 7),
            lon0,
            datetime.fromtimestamp(t0 + i * step_s, timezone.utc).strftime(fmt),
        )
        for i in range(n)
    ]


# Hostile XML prologs: entity expansion, an external entity, a plain DOCTYPE.
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx version="1.1" creator="&lol3;"><trk><trkseg><trkpt lat="1" lon="1"/></trkseg></trk></gpx>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="&x;"></gpx>"""
PLAIN_DOCTYPE = """<?xml version="1.0"?><!DOCTYPE gpx><gpx version="1.1"></gpx>"""


TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def tcx_activity(
    sport="Running",
    id_="2026-03-14T07:30:00Z",
    laps=((5000.0, 1500.0), (5000.5, 1490.25)),
    positions=True,
    creator="Forerunner 965",
):
    lap_xml = []
    for dist, secs in laps:
        pos = (
            "<Position><LatitudeDegrees>46.0</LatitudeDegrees><LongitudeDegrees>14.5</LongitudeDegrees></Position>"
            if positions
            else ""
        )
        lap_xml.append(
            f'<Lap StartTime="{id_}"><TotalTimeSeconds>{secs}</TotalTimeSeconds><DistanceMeters>{dist}</DistanceMeters>'
            f"<Track><Trackpoint><Time>{id_}</Time>{pos}<DistanceMeters>{dist}</DistanceMeters></Trackpoint></Track></Lap>"
        )
    return (
        f'<Activity Sport="{sport}"><Id>{id_}</Id>{"".join(lap_xml)}'
        f"<Creator><Name>{creator}</Name></Creator></Activity>"
    )


def tcx_doc(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase xmlns="{TCX_NS}">{body}'
        f"<Author><Name>Garmin Connect</Name></Author></TrainingCenterDatabase>"
    ).encode()
