"""GPX reader: one Activity per file, from its track points.

GPX carries no recorded distance, so distances are computed from the points: the haversine sum
(mean Earth radius 6 371 008.8 m) between consecutive ``<trkpt>`` inside each ``<trkseg>``; the
gap between two segments or tracks is not counted (it is a pause or a different recording).
Elevation is ignored (a 2-D distance, like GPS watches report).

Times: start = the earliest point time; elapsed = the sum over segments of (last - first point
time), so tracks stored out of order or days apart do not add their gaps; moving = the sum of the
intervals between consecutive timed points of a segment whose average speed is at least 0.5 m/s
(1.8 km/h: slower is standing still with GPS jitter). Points without a time still count for
distance (korita-zbevnica.gpx has 358 of 871 untimed). A file with no time at all raises
Undatable unless ``date`` is given.

Sport: the first track's ``<type>`` (see importers.sports.text_sport); a GPX with no ``<type>``
at all is a "run", because this is a running-shoe tracker and most untyped GPX files come from
running apps. Name: the first track's ``<name>``, else the metadata name. Device: the ``creator``
attribute of ``<gpx>``.

Parsing: expat through importers._xml (no DOCTYPE, streaming, no regex pre-pass).
"""
from __future__ import annotations

import math
from datetime import date as _date
from datetime import datetime, time, timezone

from . import _xml
from .model import Activity, NotAnActivity, ParseError, Undatable
from .sports import text_sport
from .validate import check

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
MOVING_SPEED_MS = 0.5
_RAD = math.pi / 180


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in meters between two points given in degrees."""
    p1 = lat1 * _RAD
    p2 = lat2 * _RAD
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((lon2 - lon1) * _RAD / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def _coord(attrs: dict, key: str, lo: float, hi: float, index: int) -> float:
    raw = attrs.get(key)
    label = "latitude" if key == "lat" else "longitude"
    if raw is None:
        raise ParseError(f"track point {index} has no {label}")
    try:
        v = float(raw)
    except ValueError:
        raise ParseError(f"track point {index} has an unreadable {label} {raw[:40]!r}") from None
    if not (lo <= v <= hi):  # also false for NaN
        raise ParseError(f"track point {index} has {label} {raw[:40]} out of range")
    return v


class _State:
    """Accumulators for one parse; plain attributes for speed."""

    def __init__(self):
        self.creator = None
        self.track_names: list[str | None] = []
        self.track_types: list[str | None] = []
        self.meta_name = None
        self.points = 0
        self.timed = 0
        self.route_points = 0
        self.waypoints = 0
        self.distance = 0.0
        self.elapsed = 0.0
        self.moving = 0.0
        self.first_time: datetime | None = None


def _point_time(text: str, index: int) -> datetime:
    """Slow path for a point time fromisoformat rejects (whitespace, Python 3.10 and "Z")."""
    try:
        return _xml.parse_time(text)
    except ValueError:
        raise ParseError(f"track point {index} has an unreadable time {text[:40]!r}") from None


def _parse(data: bytes) -> _State:
    """One streaming pass: C expat + C element building, Python only per finished element.

    ``_xml.check_prolog`` has already refused a DOCTYPE (one can only come before the root).
    Finished points and segments are cleared, so memory stays small whatever the file size.
    """
    st = _State()
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    r2 = 2 * EARTH_RADIUS_M
    fromiso = datetime.fromisoformat  # C; Python 3.11 reads "Z". Anything else: _point_time
    names: dict[str, tuple[str, str]] = {}  # tag -> (local name, "{namespace}")
    # current segment
    prev_lat = prev_lon = None
    seg_first_t = prev_t = None
    dist_since_t = 0.0
    distance = moving = elapsed = 0.0
    first_t = None  # earliest point time, epoch seconds
    points = timed = 0
    for _event, el in _xml.iter_end_elements(data, "GPX"):
        tag = el.tag
        nm = names.get(tag)
        if nm is None:
            ns, _, ln = tag.rpartition("}")
            nm = names[tag] = (ln, ns + "}" if ns else "")
        ln = nm[0]
        if ln == "trkpt":
            points += 1
            attrib = el.attrib
            try:
                lat = float(attrib["lat"])
                lon = float(attrib["lon"])
            except (KeyError, ValueError):
                lat = lon = math.nan
            if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
                _coord(attrib, "lat", -90.0, 90.0, points)
                _coord(attrib, "lon", -180.0, 180.0, points)
            if prev_lat is not None:
                p1 = prev_lat * _RAD
                p2 = lat * _RAD
                a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin((lon - prev_lon) * _RAD / 2) ** 2
                d = r2 * asin(sqrt(a if a < 1.0 else 1.0))
                distance += d
                dist_since_t += d
            prev_lat, prev_lon = lat, lon
            text = el.findtext(nm[1] + "time")
            if text:
                try:
                    dt = fromiso(text)
                    if dt.tzinfo is None:
                        dt = dt.replace(tzinfo=timezone.utc)
                except ValueError:
                    dt = _point_time(text, points)
                timed += 1
                t = dt.timestamp()
                if first_t is None or t < first_t:
                    first_t = t
                if seg_first_t is None:
                    seg_first_t = t
                elif prev_t is not None:
                    gap = t - prev_t
                    if gap > 0 and dist_since_t / gap >= MOVING_SPEED_MS:
                        moving += gap
                prev_t = t
                dist_since_t = 0.0
            el.clear()
        elif ln == "trkseg" or ln == "trk":
            if seg_first_t is not None:
                elapsed += max(0.0, prev_t - seg_first_t)
            prev_lat = prev_lon = seg_first_t = prev_t = None
            dist_since_t = 0.0
            if ln == "trk":
                st.track_names.append((el.findtext(nm[1] + "name") or "").strip() or None)
                st.track_types.append((el.findtext(nm[1] + "type") or "").strip() or None)
            el.clear()
        elif ln == "rtept":
            st.route_points += 1
            el.clear()
        elif ln == "wpt":
            st.waypoints += 1
            el.clear()
        elif ln == "metadata":
            st.meta_name = (el.findtext(nm[1] + "name") or "").strip() or None
        elif ln == "gpx":
            st.creator = el.get("creator")
            if st.meta_name is None:  # GPX 1.0 keeps the name directly under <gpx>
                st.meta_name = (el.findtext(nm[1] + "name") or "").strip() or None
    st.points, st.timed = points, timed
    if first_t is not None:
        st.first_time = datetime.fromtimestamp(first_t, tz=timezone.utc)
    st.distance, st.moving, st.elapsed = distance, moving, elapsed
    return st


def _start_from_date(value) -> datetime:
    """A user-supplied date for an untimed GPX: a date becomes 12:00 UTC that day (so it stays
    on the same calendar day in every timezone from UTC-11 to UTC+11); a datetime must be aware."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ParseError("--date needs a timezone when it includes a time")
        return value.astimezone(timezone.utc)
    if isinstance(value, _date):
        return datetime.combine(value, time(12, 0), tzinfo=timezone.utc)
    raise ParseError(f"--date must be a date, not {type(value).__name__}")


def read_bytes(data: bytes, *, name: str | None = None, date=None) -> list[Activity]:
    """The activity in GPX ``data`` (a list of one). See the module docstring for the rules.

    Raises NotAnActivity (route-only, waypoint-only, fewer than 2 track points), Undatable
    (no point has a time and no ``date`` was given), ParseError (bad XML, a DOCTYPE, an
    out-of-range coordinate, an implausible date or speed).
    """
    _xml.check_prolog(data)
    st = _parse(data)
    if st.points < 2:
        if st.route_points:
            raise NotAnActivity("not an activity: GPX route without a recorded track")
        if st.waypoints:
            raise NotAnActivity("not an activity: GPX with waypoints only")
        raise NotAnActivity(f"not an activity: GPX with {st.points} track point(s)")
    if st.first_time is not None:
        start = st.first_time
        elapsed = round(st.elapsed, 3)  # float epoch seconds: drop sub-millisecond noise
        moving = round(st.moving, 3)
    elif date is not None:
        start = _start_from_date(date)
        elapsed = moving = None
    else:
        raise Undatable("GPX track has no timestamps; give the date with --date")
    raw_type = next((t for t in st.track_types if t), None)
    act = Activity(
        start=start,
        sport=text_sport(raw_type) if raw_type else "run",
        distance_m=st.distance,
        source="gpx",
        elapsed_s=elapsed,
        moving_s=moving,
        device=st.creator,
        name=next((n for n in st.track_names if n), None) or st.meta_name,
        has_gps=True,
        extra={"gpx_type": raw_type, "points": st.points, "points_with_time": st.timed},
    )
    if st.first_time is None:
        act.warnings.append("no timestamps: date given by the user")
    elif st.timed < st.points:
        act.warnings.append(f"{st.points - st.timed} of {st.points} points have no time")
    return [check(act)]
