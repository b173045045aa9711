"""GPX reader: one Activity per outing (usually one per file), from its track points.

GPX carries no recorded distance, so distances are computed from the points: the haversine sum
(mean Earth radius 6 371 008.8 m) between consecutive ``<trkpt>`` inside each ``<trkseg>``; the
gap between two segments or tracks is not counted (it is a pause or a different recording).
Elevation is ignored (a 2-D distance, like GPS watches report).

Outings: a file may hold several outings (one track a day for three days, a logger dump spanning
years). The timed stretches of the file (segments, cut where two consecutive points are more than
``OUTING_GAP_S`` apart) are ordered by time and grouped: a stretch that starts more than
``OUTING_GAP_S`` after everything before it has ended starts a new outing. Track and segment
boundaries alone never split (apps write a track per lap or per pause), and any pause shorter than
the gap stays inside the outing. Stretches without any time join the outing of the timed stretch
before them in the file (else the first). Outings are numbered by start in ``session_index``.

Times, per outing: start = its earliest point time; elapsed = the sum over its stretches of (last -
first point time); moving = the sum of the intervals between consecutive timed points of a stretch
whose average speed is at least 0.5 m/s (1.8 km/h: slower is standing still with GPS jitter).
Points without a time still count for distance (korita-zbevnica.gpx has 358 of 871 untimed). A
file with no time at all is one outing and raises Undatable unless ``date`` is given.

Sport: the first ``<type>`` among the outing's tracks (among all tracks when the file is one
outing), else the file's first ``<type>`` (see
importers.sports.text_sport). Without any ``<type>`` the sport is inferred (``sport_inferred``):
see importers.infer (a median moving speed no runner holds is a ride). Name: the outing's first
track ``<name>``, else the metadata name. Device: the ``creator`` attribute of ``<gpx>``.

Parsing: lxml through importers._xml (no DOCTYPE). A document up to 1 MiB (4 MiB when its markup
is sparse) is parsed whole and read from the tree, a segment of plain timed points list by list;
a larger one is streamed in flat memory. Both apply the same rules to the same elements in the
same order, and give the same result to the last bit (the tests check it on every document).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable
from datetime import date as _date
from datetime import datetime, time, timezone
from operator import attrgetter, methodcaller

from . import _xml, infer
from .infer import MOVING_SPEED_MS
from .model import Activity, NotAnActivity, ParseError, Undatable
from .sports import text_sport
from .validate import check

_fromiso = datetime.fromisoformat

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
# Two points (or stretches) further apart in time than this belong to different outings: longer
# than a long café or aid-station stop inside one run, hike or ride, shorter than a night.
OUTING_GAP_S = 3 * 3600.0
_RAD = math.pi / 180
_R2 = 2 * EARTH_RADIUS_M


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in meters between two points given in degrees."""
    p1 = lat1 * _RAD
    p2 = lat2 * _RAD
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin((lon2 - lon1) * _RAD / 2) ** 2
    )
    return _R2 * math.asin(math.sqrt(min(1.0, a)))


def _coord(attrs, key: str, lo: float, hi: float, index: int) -> float:
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


class _Stretch:
    """Consecutive points of one segment with no gap over OUTING_GAP_S between timed ones.

    Times are seconds since 1970 (floats); ``us_min`` is the earliest time in microseconds."""

    __slots__ = (
        "track",
        "distance",
        "moving",
        "first_t",
        "last_t",
        "min_t",
        "us_min",
        "points",
        "timed",
        "speeds",
        "gaps",
    )

    def __init__(self, track: int):
        self.track = track
        self.distance = self.moving = 0.0
        self.first_t: float | None = None  # None until the first timed point
        self.last_t: float | None = None
        self.min_t: float | None = None
        self.us_min: int | None = None
        self.points = self.timed = 0
        self.speeds = array("d")  # speed of each moving interval, m/s
        self.gaps = array("d")  # its duration, s

    @property
    def elapsed(self) -> float:
        if self.first_t is None or self.last_t is None:  # no timed point: both are None
            return 0.0
        return max(0.0, self.last_t - self.first_t)


class _Reader:
    """The accumulators of one parse. Track points are buffered (their raw attribute and time
    texts) and computed in bulk, up to ``_BATCH`` at a time and at each segment's end."""

    def __init__(self):
        self.creator = None
        self.meta_name = None
        self.track_names: list[str | None] = []
        self.track_types: list[str | None] = []
        self.stretches: list[_Stretch] = []
        self.route_points = self.waypoints = self.points = 0
        self.texts: dict = {}  # (open element, "time"/"name"/"type") -> its child's text, kept
        self.cur: _Stretch | None = None
        self.prev_lat = self.prev_lon = None
        self.prev_timed = False
        self.dist_since_t = 0.0
        self.lat_raw: list = []
        self.lon_raw: list = []
        self.time_raw: list = []

    def _stretch(self) -> _Stretch:
        s = _Stretch(len(self.track_names))
        self.stretches.append(s)
        self.cur = s
        return s

    def flush(self) -> None:
        """Compute the buffered points: coordinates and times checked in order, then distances."""
        lat_raw, lon_raw, time_raw = self.lat_raw, self.lon_raw, self.time_raw
        if not time_raw:
            return
        self.lat_raw, self.lon_raw, self.time_raw = [], [], []
        first = self.points + 1  # 1-based index of the first buffered point, for messages
        self.points += len(time_raw)
        carried_untimed = self.cur is not None and not self.prev_timed
        ts = None if carried_untimed else _plain_seconds(time_raw)
        try:
            lats, lons = _coords(lat_raw, lon_raw, first)
            us = _times(time_raw, first) if ts is None else []
        except ParseError:
            _first_error(lat_raw, lon_raw, time_raw, first)  # the first bad point, in order
            raise
        if ts is not None:  # every time in the devices' own shape: read in bulk
            self._bulk(lats, lons, ts, lambda k: _xml.micros(time_raw[k]))
        elif None in us or carried_untimed:
            for lat, lon, u in zip(lats, lons, us, strict=True):
                self._point(lat, lon, u)
        else:
            self._bulk(lats, lons, [u / 1e6 for u in us], us.__getitem__)

    def _point(self, lat: float, lon: float, us: int | None) -> None:
        """One point, the general way (untimed points in the run)."""
        s = self.cur or self._stretch()
        if us is not None:
            t = us / 1e6
            if s.last_t is not None and t - s.last_t > OUTING_GAP_S:
                s = self._stretch()  # another outing: the jump to this point is not distance
                self.prev_lat = None
                self.dist_since_t = 0.0
        s.points += 1
        if self.prev_lat is not None:
            d = haversine_m(self.prev_lat, self.prev_lon, lat, lon)
            s.distance += d
            self.dist_since_t += d
        self.prev_lat, self.prev_lon = lat, lon
        self.prev_timed = us is not None
        if us is None:
            return
        s.timed += 1
        if s.min_t is None or t < s.min_t:
            s.min_t, s.us_min = t, us
        if s.last_t is None:  # the stretch's first timed point
            s.first_t = t
        else:
            gap = t - s.last_t
            if gap > 0 and self.dist_since_t / gap >= MOVING_SPEED_MS:
                s.moving += gap
                s.speeds.append(self.dist_since_t / gap)
                s.gaps.append(gap)
        s.last_t = t
        self.dist_since_t = 0.0

    def _bulk(self, lats: list, lons: list, ts: list, us_of: Callable[[int], int]) -> None:
        """Every point timed, and the stretch so far ends on a timed point: the same rules as
        ``_point``, over whole lists (one interval = one distance). ``ts``: each point's time in
        seconds since 1970 (its microseconds / 1e6); ``us_of(k)``: point k's microseconds."""
        cur = self.cur
        carried = cur is not None
        if cur is not None:
            assert cur.last_t is not None  # flush() carries a stretch only when it ends timed
            lats, lons, ts = (
                [self.prev_lat, *lats],
                [self.prev_lon, *lons],
                [cur.last_t, *ts],
            )
        ds = _distances(lats, lons)
        gaps = list(map(float.__sub__, ts[1:], ts))
        cuts = [k + 1 for k, g in enumerate(gaps) if g > OUTING_GAP_S]
        bounds = [0, *cuts, len(ts)]
        for a, b in zip(bounds, bounds[1:], strict=False):
            if a or cur is None:
                s = self._stretch()
                s.first_t = ts[a]
            else:
                s = cur
            lo = a + 1 if a or not carried else 1  # points a+1.. close intervals inside [a, b)
            new = b - a - (0 if a or not carried else 1)
            s.points += new
            s.timed += new
            s.distance += math.fsum(ds[lo - 1 : b - 1])
            moving = [
                (d / g, g)
                for d, g in zip(ds[lo - 1 : b - 1], gaps[lo - 1 : b - 1], strict=True)
                if g > 0 and d / g >= MOVING_SPEED_MS
            ]
            if moving:
                sp, gp = zip(*moving, strict=True)
                s.speeds.extend(sp)
                s.gaps.extend(gp)
                s.moving += math.fsum(gp)
            own = range(a if (a or not carried) else 1, b)
            i_min = min(own, key=ts.__getitem__)
            if s.min_t is None or ts[i_min] < s.min_t:
                s.min_t, s.us_min = ts[i_min], us_of(i_min - carried)
            s.last_t = ts[b - 1]
        self.prev_lat, self.prev_lon, self.prev_timed = lats[-1], lons[-1], True
        self.dist_since_t = 0.0

    def end_segment(self) -> None:
        self.flush()
        self.cur = None
        self.prev_lat = self.prev_lon = None
        self.prev_timed = False
        self.dist_since_t = 0.0


_BATCH = 4096  # points buffered before computing: bounded memory on a one-segment logger dump


def _coords(lat_raw: list, lon_raw: list, first: int) -> tuple[list, list]:
    """Latitudes and longitudes as floats; ParseError (from ``_first_error``) on a bad one."""
    try:
        lats = list(map(float, lat_raw))
        lons = list(map(float, lon_raw))
        ok = (
            min(lats) >= -90.0
            and max(lats) <= 90.0
            and min(lons) >= -180.0
            and max(lons) <= 180.0
            and not any(map(math.isnan, lats))
            and not any(map(math.isnan, lons))
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParseError("bad coordinate")  # replaced by _first_error's message
    return lats, lons


def _times(time_raw: list, first: int) -> list:
    """Microseconds of each point's time (None: no time); ParseError on an unreadable one."""
    try:
        return [_xml.micros(t) if t else None for t in time_raw]
    except ValueError:
        raise ParseError("bad time") from None  # replaced by _first_error's message


def _first_error(lat_raw: list, lon_raw: list, time_raw: list, first: int) -> None:
    """Raise the error of the first bad point, checking each point as a whole, in order."""
    for i, (la, lo, t) in enumerate(zip(lat_raw, lon_raw, time_raw, strict=True), first):
        attrs = {k: v for k, v in (("lat", la), ("lon", lo)) if v is not None}
        _coord(attrs, "lat", -90.0, 90.0, i)
        _coord(attrs, "lon", -180.0, 180.0, i)
        if t:
            try:
                _xml.micros(t)
            except ValueError:
                raise ParseError(f"track point {i} has an unreadable time {t[:40]!r}") from None


def _distances(lats: list, lons: list) -> list:
    """Haversine meters between consecutive points (one fewer than points)."""
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    ps = [x * _RAD for x in lats]
    cs = list(map(cos, ps))
    return [
        _R2 * asin(sqrt(a if a < 1.0 else 1.0))
        for p1, p2, c1, c2, l1, l2 in zip(ps, ps[1:], cs, cs[1:], lons, lons[1:], strict=False)
        for a in (sin((p2 - p1) / 2) ** 2 + c1 * c2 * sin((l2 - l1) * _RAD / 2) ** 2,)
    ]


# The time shape devices write, in a span of years where every instant is an exact float of
# seconds with microseconds: "2019-03-12T06:00:04Z" or with ".123", one per line.
_PLAIN_TIMES = re.compile(
    r"(?:(?:19[7-9][0-9]|20[0-9][0-9])-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{3})?Z\n)*"
)


def _plain_seconds(time_raw: list) -> list | None:
    """Each time in seconds since 1970 (``micros(t) / 1e6``, the same float), when every one is
    in the plain shape (``_PLAIN_TIMES``) and a real date; None otherwise (then each is read by
    ``micros``, which also says which one is wrong). Checked by one regex over all of them and
    converted by C-level ``map``: a third of the time of ``micros`` one by one."""
    if None in time_raw:
        return None
    joined = "\n".join(time_raw) + "\n"
    if _PLAIN_TIMES.fullmatch(joined) is None:
        return None
    try:
        stamps = list(map(_fromiso, joined[:-1].replace("Z", "+00:00").split("\n")))
    except ValueError:  # a date that does not exist (February 30)
        return None
    return list(map(datetime.timestamp, stamps))


_TAGS = tuple("{*}" + t for t in ("gpx", "metadata", "trk", "trkseg", "trkpt", "rtept", "wpt"))
# Which child texts an element's end reads (ElementTree ``findtext`` semantics: the first direct
# child of that name in the parent's own namespace).
_CHILD_TEXTS = {
    "trkpt": ("time",),
    "trk": ("name", "type"),
    "metadata": ("name",),
    "gpx": ("name",),
}


class _Names(dict):
    """tag -> (local name, "{namespace}"), split once per tag (a look-up stays a dict's)."""

    def __missing__(self, tag: str) -> tuple[str, str]:
        ns, ln = _xml.split_tag(tag)
        nm = self[tag] = (ln, ns)
        return nm


def _parse(data: bytes) -> _Reader:
    """Read the document (see the module docstring for what is read): parsed whole when small
    enough (``_xml.whole_tree``), else streamed. Both apply the same rules to the elements'
    ends in document order, with the same buffering of points, so they give the same result.

    Names are matched by local name in any namespace, and name/type/time only as children in
    their parent's namespace.
    """
    root = _xml.whole_tree(data, "GPX")
    return _stream(data) if root is None else _walk(root)


def _walk(root) -> _Reader:
    """The reading rules over a whole tree: the end of every element in ``_TAGS``, in document
    order, as ``_stream`` sees them; a segment that is a plain run of timed points (see
    ``_plain_run``) is read in one go instead of point by point."""
    from lxml import etree

    r = _Reader()
    names = _Names()
    child_text = _xml.child_text
    walker = etree.iterwalk(root, events=("start", "end"), tag=_TAGS)
    for event, el in walker:
        nm = names[el.tag]
        if event == "start":
            if nm[0] == "trkseg" and _plain_run(r, el, nm[1]):
                walker.skip_subtree()  # its end still comes, and ends the segment
        elif nm[0] == "trkpt":
            r.lat_raw.append(el.get("lat"))
            r.lon_raw.append(el.get("lon"))
            r.time_raw.append(child_text(el, nm[1] + "time"))
            if len(r.time_raw) >= _BATCH:
                r.flush()
        else:
            _other(r, el, nm)
    return r


_TRKPT = "{*}trkpt"
_NOT_POINTS = tuple(t for t in _TAGS if t != _TRKPT)
_tag = attrgetter("tag")
_text_of = attrgetter("text")
_parent = methodcaller("getparent")


def _plain_run(r: _Reader, seg, ns: str) -> bool:
    """Buffer the points of ``seg`` (a ``<trkseg>`` of namespace ``ns``) into ``r``, flushing at
    every ``_BATCH`` as point by point would, when they are a plain run: its children are all
    track points of its namespace, each with exactly one ``<time>`` child of that namespace,
    which holds only text, and no other element the reader reacts to lies below them. Then the
    points' texts are taken list by list (C-level tag matching finds the times). False, having
    read nothing, otherwise."""
    tps = list(seg)
    tp, tm = ns + "trkpt", ns + "time"
    if not tps or set(map(_tag, tps)) != {tp}:
        return False
    times = list(seg.iter(tm))  # every <time> below: must be exactly one per point, its child
    if len(times) != len(tps) or list(map(_parent, times)) != tps or any(map(len, times)):
        return False
    if next(seg.iterdescendants(_NOT_POINTS), None) is not None:
        return False
    if len(list(seg.iterdescendants(_TRKPT))) != len(tps):  # no point within a point
        return False
    lats = [e.get("lat") for e in tps]
    lons = [e.get("lon") for e in tps]
    texts = [t or "" for t in map(_text_of, times)]  # child_text: "" for an empty <time/>
    i, n = 0, len(tps)
    while i < n:
        room = _BATCH - len(r.time_raw)
        r.lat_raw.extend(lats[i : i + room])
        r.lon_raw.extend(lons[i : i + room])
        r.time_raw.extend(texts[i : i + room])
        i += room
        if len(r.time_raw) >= _BATCH:
            r.flush()
    return True


def _stream(data: bytes) -> _Reader:
    """``_walk``'s reading, streamed: flat memory for a document too large to hold whole."""
    r = _Reader()
    names = _Names()

    def keep(el) -> None:  # its finished children are about to go: take their texts now
        ln, ns = names[el.tag]
        for child in _CHILD_TEXTS.get(ln, ()):
            found = el.find(ns + child)
            if found is not None and found is not el[-1]:  # the last child may still be open
                r.texts.setdefault((el, child), found.text or "")

    child_text = _xml.child_text
    lat_raw, lon_raw, time_raw = r.lat_raw, r.lon_raw, r.time_raw
    for batch in _xml.iter_end(data, "GPX", _TAGS, keep):
        for el in batch:
            nm = names[el.tag]
            if nm[0] == "trkpt":  # the hot path, inlined: buffer the raw texts
                lat_raw.append(el.get("lat"))
                lon_raw.append(el.get("lon"))
                t = r.texts.pop((el, "time"), None) if r.texts else None
                time_raw.append(child_text(el, nm[1] + "time") if t is None else t)
                if len(time_raw) >= _BATCH:
                    r.flush()
                    lat_raw, lon_raw, time_raw = r.lat_raw, r.lon_raw, r.time_raw
            else:
                _other(r, el, nm)
                lat_raw, lon_raw, time_raw = r.lat_raw, r.lon_raw, r.time_raw
    return r


def _text(r: _Reader, el, ns: str, child: str) -> str | None:
    """The text of ``el``'s first ``child`` (kept by ``keep`` if its children were removed)."""
    if r.texts:
        got = r.texts.pop((el, child), None)
        if got is not None:
            return got
    return _xml.child_text(el, ns + child)


def _other(r: _Reader, el, nm: tuple[str, str]) -> None:
    """An element other than a track point ends."""
    ln, ns = nm
    if ln == "trkseg":
        r.end_segment()
    elif ln == "trk":
        r.end_segment()
        r.track_names.append(_strip(_text(r, el, ns, "name")))
        r.track_types.append(_strip(_text(r, el, ns, "type")))
    elif ln == "rtept":
        r.route_points += 1
    elif ln == "wpt":
        r.waypoints += 1
    elif ln == "metadata":
        r.meta_name = _strip(_text(r, el, ns, "name"))
    elif ln == "gpx":
        r.end_segment()  # points directly in <gpx> (not valid GPX, but well-formed)
        r.creator = el.get("creator")
        if r.meta_name is None:  # GPX 1.0 keeps the name directly under <gpx>
            r.meta_name = _strip(_text(r, el, ns, "name"))


def _strip(text: str | None) -> str | None:
    return (text or "").strip() or None


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
    """The activities in GPX ``data``, one per outing. See the module docstring for the rules.

    Raises NotAnActivity (route-only, waypoint-only, fewer than 2 track points), Undatable
    (no point has a time and no ``date`` was given), ParseError (bad XML, a DOCTYPE, an
    out-of-range coordinate, an unreadable time, an implausible date or speed).
    """
    _xml.check_prolog(data)
    r = _parse(data)
    if r.points < 2:
        if r.route_points:
            raise NotAnActivity("not an activity: GPX route without a recorded track")
        if r.waypoints:
            raise NotAnActivity("not an activity: GPX with waypoints only")
        raise NotAnActivity(f"not an activity: GPX with {r.points} track point(s)")
    groups = outings(r.stretches)
    acts = [_activity(r, g, i, date, whole=len(groups) == 1) for i, g in enumerate(groups)]
    if len(acts) > 1:
        for a in acts:
            a.extra["gpx_outings"] = len(acts)
    return [check(a) for a in acts]


def outings(stretches: list[_Stretch]) -> list[list[_Stretch]]:
    """Group stretches into outings, ordered by start (see the module docstring)."""
    # (min_t, last_t, stretch): a stretch with a timed point has both times
    timed = sorted(
        ((s.min_t, s.last_t, s) for s in stretches if s.min_t is not None and s.last_t is not None),
        key=lambda m: m[0],
    )
    if not timed:
        return [stretches]
    groups: list[list[_Stretch]] = []
    end = -math.inf
    owner: dict[int, int] = {}  # id(stretch) -> group index
    for min_t, last_t, s in timed:
        if not groups or min_t - end > OUTING_GAP_S:
            groups.append([])
        groups[-1].append(s)
        owner[id(s)] = len(groups) - 1
        end = max(end, last_t, min_t)
    current = 0
    for s in stretches:  # untimed stretches follow the timed one before them in the file
        if id(s) in owner:
            current = owner[id(s)]
        else:
            groups[current].append(s)
    return groups


def _activity(r: _Reader, group: list[_Stretch], index: int, date, whole: bool) -> Activity:
    """The Activity of one outing; ``whole``: it is the file's only one (then every track, even
    one without points, gives it a name or a type)."""
    points = sum(s.points for s in group)
    timed = sum(s.timed for s in group)
    us_first = min((s.us_min for s in group if s.us_min is not None), default=None)
    elapsed: float | None  # seconds, None without timestamps
    moving: float | None
    if us_first is not None:
        start = _xml.utc(us_first)
        elapsed = round(sum(s.elapsed for s in group), 3)  # float seconds: drop sub-ms noise
        moving = round(sum(s.moving for s in group), 3)
    elif date is not None:
        start = _start_from_date(date)
        elapsed = moving = None
    else:
        raise Undatable("GPX track has no timestamps; give the date with --date")
    tracks = range(len(r.track_names)) if whole else sorted({s.track for s in group})
    own_types = [r.track_types[t] for t in tracks if t < len(r.track_types)]
    raw_type = next((t for t in own_types if t), None) or next(
        (t for t in r.track_types if t), None
    )
    extra = {"gpx_type": raw_type, "points": points, "points_with_time": timed}
    act = Activity(
        start=start,
        sport="run",
        distance_m=sum(s.distance for s in group),
        source="gpx",
        elapsed_s=elapsed,
        moving_s=moving,
        device=r.creator,
        has_gps=True,
        session_index=index,
        name=next(
            (r.track_names[t] for t in tracks if t < len(r.track_names) and r.track_names[t]), None
        )
        or r.meta_name,
        extra=extra,
    )
    if raw_type:
        act.sport = text_sport(raw_type)
    else:
        _infer(act, group)
    if us_first is None:
        act.warnings.append("no timestamps: date given by the user")
    elif timed < points:
        act.warnings.append(f"{points - timed} of {points} points have no time")
    return act


def _infer(act: Activity, group: list[_Stretch]) -> None:
    speeds = array("d")
    gaps = array("d")
    for s in group:
        speeds.extend(s.speeds)
        gaps.extend(s.gaps)
    infer.apply(act, speeds, gaps)
