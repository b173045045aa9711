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

Parsing: expat through importers._xml (no DOCTYPE). Two paths with the same results: a fast path
(``_parse_fast``: a bare expat parse validates the whole document in C, then one compiled regex
walks the raw bytes markup by markup and the per-point math runs over the matches) for
ASCII-compatible documents in the usual shape, and the exact element-based path (``_parse``,
ElementTree's C pull parser) for everything else and for every error. See the comment above
``_TOKEN`` for when the fast path declines; tests/test_importers_gpx_fastpath.py checks that
both paths agree. The regexes use possessive quantifiers (no backtracking into a repetition).
"""
from __future__ import annotations

import math
import re
from datetime import date as _date
from datetime import datetime, time, timezone
from operator import add, attrgetter

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


# --- Fast path ------------------------------------------------------------------------------
#
# Building an element per tag (``_parse``) is most of the exact reader's cost. The fast path
# validates the document with a bare expat parse (no handlers, so it stays in C), then reads the
# few things it needs with ONE compiled bytes regex over the raw data, and does the per-point
# math over the matches. It returns the same _State as ``_parse`` or declines (None), and the
# exact path runs instead; whenever the exact path would raise, the fast path declines, so errors
# and their messages always come from the exact path.
#
# Why a regex over the raw bytes is exact here (given that expat accepted the document):
# * Encoding: only ASCII-compatible documents (UTF-8 with or without BOM, US-ASCII, ISO-8859-1,
#   windows-1252). An ASCII byte then always is that character, so ASCII patterns cannot match
#   inside a multi-byte character; captured coordinates and times must be ASCII (float() of
#   bytes and the "ascii" codec refuse anything else, and we decline).
# * Tokens: every "<" outside comments, CDATA and processing instructions starts a tag, and
#   attribute values and text contain no "<". The regex alternatives cover every kind of markup
#   (a whole <trkpt> element, a comment, CDATA, a PI, any start/end/empty tag) and each one
#   consumes up to the next "<", so findall walks the document markup by markup in order and
#   text inside comments or CDATA is never mistaken for a tag.
# * A <trkpt> is taken in one match only in the understood shape: unprefixed lat/lon (either
#   order, either quote, among any other attributes) without "&"; then optional leaf elements
#   (text/CDATA only, no child elements), comments and PIs; then optionally <time> (no
#   attributes, text without "&" or markup): that is the first direct child "time", as
#   ``findtext`` would find it; then anything (comments, CDATA, nested extensions) except another
#   trkpt, time, trkseg, trk, rtept, wpt, metadata or gpx tag, up to </trkpt>. Any other trkpt
#   falls through to the generic tag alternative, and the fast path declines.
# * Namespaces: the exact path matches trkpt/trkseg/trk/rtept/wpt/metadata/gpx by local name in
#   any namespace, and name/type/time as children in their parent's namespace. The fast path
#   declines on any prefixed tag with one of the first names or "time" (_PREFIXED, one search),
#   on a prefixed name/type whose prefix is (anywhere) bound to a namespace that is (anywhere)
#   a default namespace, and on a name/type tag that declares a default namespace; an
#   unprefixed child without its own xmlns= is always in its unprefixed parent's namespace.
#
# So the fast path declines: UTF-16/32 and other encodings, not well-formed documents, "&" in a
# coordinate or a point time, CDATA or a comment inside a point time, a point time that is not
# the first child after leaf elements (e.g. after <extensions>), a time nested deeper in a point,
# nested points, prefixed GPX element names (as above), unreadable or out-of-range coordinates
# and unreadable times (the exact path then raises the error with its message).
# * Texts (track name/type, metadata name, <gpx> name) and the creator attribute get XML's
#   line-end and attribute-value normalization and the five predefined entities and character
#   references decoded; a text is its character data and CDATA up to the first child element,
#   comments and PIs skipped, as in ElementTree's ``.text``.

_WS = rb"[ \t\r\n]"
_QV = rb"""(?:"[^"]*+"|'[^']*+')"""  # any attribute value
_ATTRS = rb"""(?:[^>"'/]++|"[^"]*+"|'[^']*+')*+"""  # the rest of a start tag up to "/>" or ">"
_SKIP = rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"  # markup that does not open an element
# None of these may sit inside a fast-path trkpt (nested points or segments, a deeper time...).
# Prefixed ones are refused for the whole document by _PREFIXED.
_BLOCKED = rb"(?:t(?:rk(?:pt|seg)?|ime)|rtept|wpt|metadata|gpx)[ \t\r\n/>]"
_PREFIXED = re.compile(rb":(?:trkpt|time|trkseg|trk|rtept|wpt|metadata|gpx)[ \t\r\n/>]")
# An element with text only (CDATA, comments and PIs allowed), or empty, not a blocked one.
_LEAF = (rb"<(?:ele" + _WS + rb"*+>[^<]*+</ele" + _WS + rb"*+>"
         rb"|(?!/|[!?]|" + _BLOCKED + rb")[^ \t\r\n/>]++" + _ATTRS
         + rb"(?:/>|>(?:[^<]++|" + _SKIP + rb")*+</[^<>]*+>))")
_TOKEN = re.compile(
    rb"<(?:"
    # 1: "p" for a track point; 2-5: lat and lon in double or single quotes; 6: its time text
    rb"trk(p)t(?:" + _WS + rb"++(?:"
    rb"lat" + _WS + rb"*+=" + _WS + rb"""*+(?:"([^"<&]*+)"|'([^'<&]*+)')"""
    rb"|lon" + _WS + rb"*+=" + _WS + rb"""*+(?:"([^"<&]*+)"|'([^'<&]*+)')"""
    rb"|[^ \t\r\n=/>]++" + _WS + rb"*+=" + _WS + rb"*+" + _QV + rb"))*+" + _WS + rb"*+"
    rb"(?:/>|>(?:" + _WS + rb"*+(?:" + _LEAF + rb"|" + _SKIP + rb"))*+" + _WS + rb"*+"
    rb"(?:<time" + _WS + rb"*+>([^<&]*+)</time" + _WS + rb"*+>)?"
    rb"(?:</trkpt" + _WS + rb"*+>|(?:[^<]++|" + _SKIP + rb"|<(?!/?" + _BLOCKED + rb"|[!?]))*+"
    rb"</trkpt" + _WS + rb"*+>))"
    # 7: any other markup, without its "<", and the text after it (read again by _MARKUP)
    rb"|((?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|[^!?])[^<]*+))",
    re.DOTALL,
)
_MARKUP = re.compile(
    # 1: text after a comment; 2, 3: CDATA content and the text after it; 4: text after a PI
    rb"!--.*?-->([^<]*+)"
    rb"|!\[CDATA\[(.*?)\]\]>([^<]*+)"
    rb"|\?.*?\?>([^<]*+)"
    # 5: "/" of an end tag; 6: the tag name; 7: attributes; 8: "/" of an empty tag; 9: text
    rb"|(/?)([^ \t\r\n/>!?][^ \t\r\n/>]*+)(" + _ATTRS + rb")(/?)>([^<]*+)",
    re.DOTALL,
)
_NS_DECL = re.compile(rb"xmlns(?::([^ \t\r\n=<>/]+))?[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"<]*)\"|'([^'<]*)')")
_fromiso = datetime.fromisoformat
_tzinfo = attrgetter("tzinfo")
_ATTR = re.compile(rb"[ \t\r\n]+([^ \t\r\n=/>]+)[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"]*)\"|'([^']*)')")
_DEFAULT_NS = re.compile(rb"(?:^|[ \t\r\n])xmlns[ \t\r\n]*=")
_DECL = re.compile(rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:\"[^\"]*\"|'[^']*')"
                   rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"]*)\"|'([^']*)'))?")
_CODECS = {"utf-8": "utf-8", "us-ascii": "ascii", "iso-8859-1": "latin-1",
           "windows-1252": "cp1252"}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_INTEREST = frozenset((b"trkpt", b"trkseg", b"trk", b"rtept", b"wpt", b"metadata", b"gpx",
                       b"name", b"type"))
_TEXT_PARENTS = frozenset((b"trk", b"metadata", b"gpx"))


class _Decline(Exception):
    """The fast path cannot vouch for this document: use the exact path."""


def _codec(data: bytes) -> str | None:
    """The Python codec of an ASCII-compatible document, or None (decline)."""
    bom = data[:3] == b"\xef\xbb\xbf"
    body = data[3:] if bom else data
    if b"\x00" in body[:4] or body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None  # UTF-16/32
    m = _DECL.match(body)
    if m is None:
        return None if body.startswith(b"<?xml") else "utf-8"
    declared = m.group(1) or m.group(2)
    if declared is None:
        return "utf-8"
    codec = _CODECS.get(declared.decode("ascii", "replace").lower())
    if bom and codec != "utf-8":
        return None
    return codec


def _unescape(m) -> str:
    hexa, dec, name = m.groups()
    if name:
        return _PREDEFINED[name]
    return chr(int(hexa, 16) if hexa else int(dec))


def _text(raw: bytes, codec: str, attribute: bool = False) -> str:
    """Character data as ElementTree reports it: decoded, line ends normalized, entities."""
    s = raw.decode(codec)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if attribute:
        s = s.replace("\n", " ").replace("\t", " ")
    if "&" in s:
        s = _ENTITY.sub(_unescape, s)
    return s


def _attr(attrs: bytes, key: bytes, codec: str) -> str | None:
    for k, dq, sq in _ATTR.findall(attrs):
        if k == key:
            return _text(dq or sq, codec, attribute=True)
    return None


def _validate(data: bytes) -> bool:
    """A bare expat parse (C only): True when the document is well-formed."""
    p = _xml.make_parser()
    try:
        p.Parse(data, True)
    except Exception:  # noqa: BLE001 - any failure: the exact path reports it
        return False
    return True


def _parse_fast(data: bytes) -> _State | None:
    """The _State ``_parse`` would return, or None when the fast path declines."""
    codec = _codec(data)
    if codec is None or not _validate(data):
        return None
    try:
        return _scan(data, codec)
    except (_Decline, ValueError):  # ValueError: float(), the ascii codec
        return None


def _scan(data: bytes, codec: str) -> _State:
    """Walk the markup of an expat-validated document; raise _Decline on anything unusual."""
    if _PREFIXED.search(data):
        raise _Decline  # a prefixed trkpt, time, trkseg, ...: its namespace would decide
    toks = _TOKEN.findall(data)
    sc = _Scanner(codec, data)
    cols = list(zip(*toks))
    if not cols:
        raise _Decline
    pcol, la1, la2, lo1, lo2, tms = cols[:6]
    n = len(toks)
    i = 0
    while i < n:
        if pcol[i]:  # a run of track points: up to the next other token
            try:
                e = pcol.index(b"", i)
            except ValueError:
                e = n
            sc.points(list(map(add, la1[i:e], la2[i:e])), list(map(add, lo1[i:e], lo2[i:e])),
                      tms[i:e])
            i = e
        else:
            sc.markup(toks[i][6])
            i += 1
    return sc.finish()


class _Scanner:
    """The fast path's accumulators: the same arithmetic, in the same order, as ``_parse``."""

    def __init__(self, codec: str, data: bytes):
        self.codec = codec
        self.data = data
        self.st = _State()
        self.prev_lat = self.prev_lon = self.seg_first_t = self.prev_t = None
        self.dist_since_t = self.distance = self.moving = self.elapsed = 0.0
        self.first_t = None
        self.npoints = self.timed = 0
        self.stack: list[list] = []  # open elements (track points excluded): [local, name, type, attrs]
        self.collect = None  # [raw text parts, frame, slot] inside a name/type of trk/metadata/gpx
        self.bound = None  # prefix (b"" for the default) -> namespaces declared for it anywhere

    def points(self, lat_raw: list, lon_raw: list, times: tuple) -> None:
        """A run of consecutive track points (no other markup between them)."""
        if self.collect is not None:
            self._close_text()
        for raw in (b"".join(lat_raw), b"".join(lon_raw)):
            if b"n" in raw or b"N" in raw:  # nan, inf: out of range for _parse
                raise _Decline
        lats = list(map(float, lat_raw))  # ValueError (unreadable, missing): decline
        lons = list(map(float, lon_raw))
        if min(lats) < -90.0 or max(lats) > 90.0 or min(lons) < -180.0 or max(lons) > 180.0:
            raise _Decline
        self.npoints += len(lats)
        ts = None
        if all(times) and b"".join(times).isascii():
            try:
                dts = list(map(_fromiso, map(bytes.decode, times)))
            except ValueError:
                dts = None
            if dts is not None and None not in map(_tzinfo, dts):
                ts = list(map(datetime.timestamp, dts))
        if ts is None:
            self._points_slow(lats, lons, times)
        else:
            self._points_timed(lats, lons, ts)

    def _points_timed(self, lats: list, lons: list, ts: list) -> None:
        """Every point has a time: the loop of ``_parse`` with the parsing done in bulk.

        The per-interval distances come from one list comprehension and are then added in
        order, so the sums are bit for bit those of ``_parse`` (same operations, same order).
        """
        sin, asin, sqrt, cos = math.sin, math.asin, math.sqrt, math.cos
        r2 = 2 * EARTH_RADIUS_M
        ps = list(map(_RAD.__mul__, lats))
        cs = list(map(cos, ps))
        carried = self.prev_lon is not None  # the previous point of this segment came earlier
        if carried:
            p0 = self.prev_lat * _RAD
            ps_, cs_, ls_ = [p0, *ps], [cos(p0), *cs], [self.prev_lon, *lons]
        else:
            ps_, cs_, ls_ = ps, cs, lons
        ds = [r2 * asin(sqrt(a if a < 1.0 else 1.0))
              for p1, p2, c1, c2, l1, l2 in zip(ps_, ps_[1:], cs_, cs_[1:], ls_, ls_[1:])
              for a in (sin((p2 - p1) / 2) ** 2 + c1 * c2 * sin((l2 - l1) * _RAD / 2) ** 2,)]
        distance, moving, dist_since_t = self.distance, self.moving, self.dist_since_t
        for d in ds:
            distance += d
        # The first point: it may start the segment, or close an interval begun earlier.
        if carried:
            dist_since_t += ds[0]
            rest = ds[1:]
        else:
            rest = ds
        t0 = ts[0]
        seg_first_t = self.seg_first_t
        if seg_first_t is None:
            seg_first_t = t0
        elif self.prev_t is not None:
            gap = t0 - self.prev_t
            if gap > 0 and dist_since_t / gap >= MOVING_SPEED_MS:
                moving += gap
        # Every later point closes one interval holding exactly one distance.
        for gap in [g for g, d in zip(map(float.__sub__, ts[1:], ts), rest)
                    if g > 0 and d / g >= MOVING_SPEED_MS]:
            moving += gap
        self.prev_lat, self.prev_lon, self.prev_t, self.seg_first_t = lats[-1], lons[-1], ts[-1], seg_first_t
        self.dist_since_t, self.distance, self.moving = 0.0, distance, moving
        self.timed += len(ts)
        low = min(ts)
        if self.first_t is None or low < self.first_t:
            self.first_t = low

    def _points_slow(self, lats: list, lons: list, times: tuple) -> None:
        """Some points without a time (or times fromisoformat cannot read): point by point."""
        sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
        r2 = 2 * EARTH_RADIUS_M
        prev_lat, prev_lon, prev_t, seg_first_t = self.prev_lat, self.prev_lon, self.prev_t, self.seg_first_t
        dist_since_t, distance, moving = self.dist_since_t, self.distance, self.moving
        first_t, timed = self.first_t, self.timed
        for lat, lon, tm in zip(lats, lons, times):
            if prev_lat is not None:
                p1 = prev_lat * _RAD
                p2 = lat * _RAD
                a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin((lon - prev_lon) * _RAD / 2) ** 2
                d = r2 * asin(sqrt(a if a < 1.0 else 1.0))
                distance += d
                dist_since_t += d
            prev_lat, prev_lon = lat, lon
            if tm:
                text = tm.decode("ascii")  # UnicodeDecodeError is a ValueError: decline
                try:
                    dt = _fromiso(text)
                    if dt.tzinfo is None:
                        dt = dt.replace(tzinfo=timezone.utc)
                except ValueError:
                    try:  # the text as ElementTree reports it: line ends normalized
                        dt = _xml.parse_time(text.replace("\r\n", "\n").replace("\r", "\n"))
                    except ValueError:
                        raise _Decline from None
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
        self.prev_lat, self.prev_lon, self.prev_t, self.seg_first_t = prev_lat, prev_lon, prev_t, seg_first_t
        self.dist_since_t, self.distance, self.moving = dist_since_t, distance, moving
        self.first_t, self.timed = first_t, timed

    def markup(self, other: bytes) -> None:
        """A comment, CDATA, PI or a start/end/empty tag other than a fast-path track point."""
        m = _MARKUP.fullmatch(other)
        if m is None:
            raise _Decline  # cannot happen in a well-formed document
        c_tail, cdata, cd_tail, pi_tail, end, tag, attrs, empty, text = m.groups(b"")
        st = self.st
        if not tag:
            if self.collect is not None:  # ElementTree's .text: CDATA counts, comments and PIs not
                self.collect[0].append(cdata + cd_tail if (cdata or cd_tail) else (c_tail or pi_tail))
            return
        if self.collect is not None:
            self._close_text()
        prefix, colon, ln = tag.rpartition(b":")
        if colon:
            if ln in _INTEREST and self._may_share_namespace(prefix):
                raise _Decline
            ln = b":"  # a foreign element: matches nothing below
        if not end:
            if ln == b"trkpt":
                raise _Decline  # a track point not in the shape _TOKEN reads
            if ln == b"name" or ln == b"type":
                if b"xmlns" in attrs and _DEFAULT_NS.search(attrs):
                    raise _Decline
                if self.stack and self.stack[-1][0] in _TEXT_PARENTS:
                    parent = self.stack[-1]
                    slot = 1 if ln == b"name" else 2
                    if parent[slot] is None:  # findtext: the first such child only
                        if empty:
                            parent[slot] = ""
                        else:
                            self.collect = [[text], parent, slot]
            frame = [ln, None, None, attrs]
            if not empty:
                self.stack.append(frame)
                return
        else:
            if not self.stack:
                raise _Decline  # cannot happen in a well-formed document
            frame = self.stack.pop()
        # the element ends: what _parse does at its "end" event
        if ln == b"trkseg" or ln == b"trk":
            if self.seg_first_t is not None:
                self.elapsed += max(0.0, self.prev_t - self.seg_first_t)
            self.prev_lat = self.prev_lon = self.seg_first_t = self.prev_t = None
            self.dist_since_t = 0.0
            if ln == b"trk":
                st.track_names.append((frame[1] or "").strip() or None)
                st.track_types.append((frame[2] or "").strip() or None)
        elif ln == b"rtept":
            st.route_points += 1
        elif ln == b"wpt":
            st.waypoints += 1
        elif ln == b"metadata":
            st.meta_name = (frame[1] or "").strip() or None
        elif ln == b"gpx":
            st.creator = _attr(frame[3], b"creator", self.codec)
            if st.meta_name is None:
                st.meta_name = (frame[1] or "").strip() or None

    def _may_share_namespace(self, prefix: bytes) -> bool:
        """Could ``prefix`` name the namespace of an unprefixed element (so that a prefixed
        name/type is a child findtext matches)? Conservative: every declaration of the prefix
        anywhere against every default namespace declared anywhere."""
        if self.bound is None:
            self.bound = {}
            decls = _NS_DECL.findall(self.data)
            if len(decls) != self.data.count(b"xmlns"):
                return True  # one declaration hid another (xmlns= inside a value): give up
            for pfx, dq, sq in decls:
                self.bound.setdefault(pfx, set()).add(dq or sq)
        defaults = self.bound.get(b"")
        if not defaults:
            return False  # unprefixed elements are in no namespace; a prefixed one never is
        uris = self.bound.get(prefix)
        return uris is None or bool(uris & defaults)

    def _close_text(self) -> None:
        parts, frame, slot = self.collect
        frame[slot] = _text(b"".join(parts), self.codec)
        self.collect = None

    def finish(self) -> _State:
        if self.stack or self.collect is not None:
            raise _Decline  # cannot happen in a well-formed document
        st = self.st
        st.points, st.timed = self.npoints, self.timed
        if self.first_t is not None:
            st.first_time = datetime.fromtimestamp(self.first_t, tz=timezone.utc)
        st.distance, st.moving, st.elapsed = self.distance, self.moving, self.elapsed
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
    st = _parse_fast(data)
    if st is None:
        st = _parse(data)
    return _activity(st, date)


def _read_exact(data: bytes, *, date=None) -> list[Activity]:
    """``read_bytes`` through the element-based path only (for the differential tests)."""
    _xml.check_prolog(data)
    return _activity(_parse(data), date)


def _read_fast(data: bytes, *, date=None) -> list[Activity] | None:
    """``read_bytes`` through the fast path only; None when it declines the document."""
    _xml.check_prolog(data)
    st = _parse_fast(data)
    return None if st is None else _activity(st, date)


def _activity(st: _State, date) -> list[Activity]:
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
