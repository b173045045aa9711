"""TCX reader (Garmin Training Center XML): one Activity per ``<Activity>`` element.

Distance = the sum of ``Lap/DistanceMeters`` (what the device recorded; kona2013.tcx keeps only
5 trackpoints of a 180 km ride). When no lap has a distance, the largest
``Trackpoint/DistanceMeters`` is used. Moving = the sum of ``Lap/TotalTimeSeconds`` (Garmin writes
timer time there); elapsed = last trackpoint time - start when that is longer, else the lap sum.
Start = ``Activity/Id`` (an xsd:dateTime, UTC), else the first lap's StartTime. has_gps: any
trackpoint has a ``<Position>``. Device: ``Activity/Creator/Name``.

Multisport files (``<MultiSportSession>``) give one Activity per inner ``<Activity>``, numbered in
``session_index``; ``<Transition>`` laps are not activities and are skipped. A file with no
``<Activity>`` (a course) is NotAnActivity.
"""
from __future__ import annotations

import math
import re

from . import _xml
from .model import Activity, NotAnActivity, ParseError, Undatable
from .sports import text_sport
from .validate import check

_TEXT_FIELDS = {
    ("Activity", "Id"),
    ("Lap", "TotalTimeSeconds"),
    ("Lap", "DistanceMeters"),
    ("Trackpoint", "Time"),
    ("Trackpoint", "DistanceMeters"),
    ("Creator", "Name"),
}


class _Act:
    def __init__(self, sport):
        self.sport = sport
        self.id = None
        self.laps = 0
        self.lap_start = None
        self.lap_dist = 0.0
        self.laps_with_dist = 0
        self.lap_time = 0.0
        self.tp_max_dist = None
        self.last_tp_time = None
        self.has_pos = False
        self.device = None


def _number(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ParseError(f"TCX {what} is not a number: {text[:40]!r}") from None
    if not math.isfinite(v):
        raise ParseError(f"TCX {what} is not a finite number: {text[:40]!r}")
    return v


def _apply_text(a, ln: str, value: str, stack: list, number) -> None:
    """The text of element ``ln`` (non-empty, stripped) applied to activity ``a``; ``stack``
    holds the open ancestors. One rule for both paths: ``number`` is ``_number`` on the exact
    path and ``_fast_number`` (which declines instead of raising) on the fast path."""
    if ln == "Id":
        a.id = value
    elif ln == "TotalTimeSeconds":
        a.lap_time += number(value, "lap time")
    elif ln == "DistanceMeters":
        d = number(value, "distance")
        if stack and stack[-1] == "Lap":
            a.lap_dist += d
            a.laps_with_dist += 1
        elif a.tp_max_dist is None or d > a.tp_max_dist:
            a.tp_max_dist = d
    elif ln == "Time":
        a.last_tp_time = value
    elif ln == "Name" and len(stack) >= 2 and stack[-2] == "Activity":
        a.device = value


def _parse(data: bytes):
    stack: list[str] = []
    acts: list[_Act] = []
    counts = {"Course": 0, "Transition": 0}
    text: list[str] | None = None
    loc = {}
    cur: list[_Act | None] = [None]
    root: list[str | None] = [None]

    def start(name, attrs):
        nonlocal text
        ln = loc.get(name)
        if ln is None:
            ln = loc[name] = _xml.local(name)
        parent = stack[-1] if stack else None
        if parent is None:
            root[0] = ln
        stack.append(ln)
        if (parent, ln) in _TEXT_FIELDS:
            text = []
        elif ln == "Activity":
            cur[0] = _Act(attrs.get("Sport"))
            acts.append(cur[0])
        elif ln == "Lap" and cur[0] is not None and parent == "Activity":
            cur[0].laps += 1
            if cur[0].lap_start is None:
                cur[0].lap_start = attrs.get("StartTime")
        elif ln == "Position" and parent == "Trackpoint" and cur[0] is not None:
            cur[0].has_pos = True
        elif ln in counts:
            counts[ln] += 1
            if ln == "Transition":
                cur[0] = None  # its laps belong to no activity

    def end(name):
        nonlocal text
        ln = stack.pop()
        if text is not None:
            value = "".join(text).strip()
            text = None
            a = cur[0]
            if a is None or not value:
                return
            _apply_text(a, ln, value, stack, _number)
        elif ln in ("Activity", "Transition"):
            cur[0] = None

    def chars(t):
        if text is not None:
            text.append(t)

    parser = _xml.make_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    _xml.feed(parser, data, "TCX")
    return root[0], acts, counts


def _time(text: str | None, what: str):
    if not text:
        return None
    try:
        return _xml.parse_time(text)
    except ValueError:
        raise ParseError(f"TCX {what} is not a date-time: {text[:40]!r}") from None


# --- fast path --------------------------------------------------------------------------------
#
# ``_parse`` runs Python for every element; a TCX import needs only a few values per lap plus
# three facts per trackpoint. ``_read_fast`` checks well-formedness with a bare expat parse (no
# handlers: all C), then replays ``_parse``'s handlers over the few "skeleton" tags outside the
# ``<Track>`` bodies with a regex tokenizer, and reads each Track body (the trackpoints: almost
# all of the file) with C regexes: one fullmatch of a grammar that proves the body's only effects
# are Trackpoint/Time, Trackpoint/DistanceMeters and Trackpoint/Position, then findall for those.
# Anything it cannot prove equivalent makes it decline (None); read_bytes then runs the exact path,
# which also produces every error message (so errors keep the exact path's document order).
#
# Why namespaces need no check: ``_parse`` looks only at local names, so a redeclared default
# namespace (Garmin's <TPX xmlns="...ActivityExtension/v2">) changes nothing. A prefix does change
# the raw tag text, so a prefixed element whose local name ``_parse`` reacts to makes us decline.

_ENCODINGS = {b"utf-8": "utf-8", b"iso-8859-1": "latin-1", b"us-ascii": "ascii",
              b"windows-1252": "cp1252"}  # ASCII-compatible, decoded by expat as Python does
_DECL = re.compile(rb"(\xef\xbb\xbf)?(?:<\?xml\s(.*?)\?>)?", re.DOTALL)
_DECL_ENC = re.compile(rb"""\sencoding\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_MISC = re.compile(rb"(?:\s+|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)  # after the XML declaration
_ATTRS = rb"""(?:\s+[^\s/>=<]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_TAG = re.compile(rb"<(/?)([^\s/>=<]+)(" + _ATTRS + rb")(/?)>")
_ATTR = re.compile(rb"""\s([^\s/>=<]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Every local name _parse reacts to (as element, parent or grandparent), and the root's.
_NAMES = (rb"TrainingCenterDatabase|Activity|Lap|Id|TotalTimeSeconds|DistanceMeters|Trackpoint|"
          rb"Track|Time|Position|Creator|Name|Course|Transition")
# Any ":Name" before a tag-name end (a prefixed <x:Name>, or rarely text): decline. Scanning for
# ":" is much faster than for every "<".
_PREFIXED = re.compile(rb":(?:" + _NAMES + rb")(?=[\s/>])")
_TRACK_END = re.compile(rb"</Track\s*>")

# The grammar of a <Track> body. Between trackpoints: text only. A Trackpoint child is either a
# Time/DistanceMeters leaf (text only: the text fields) or any other element ("item") whose root is
# not one of the names below and whose descendants carry none of _INERT's names. Such an item has
# no effect in _parse (no text field can sit under it, no Activity/Course/Transition/Lap/Position
# handler fires inside it), except that a Position root sets has_pos. An item ends at the first
# close tag of its name; if that close belongs to a nested same-name element, the outer close can
# be consumed by nothing that follows, so fullmatch fails (input is known well-formed). Possessive
# quantifiers keep it linear.
_INERT = (rb"(?:Activity|Course|Transition|Lap|Creator|Trackpoint|Track|Position|Time|DistanceMeters)"
          rb"(?=[\s/>])")
_ROOT_NOT = (rb"(?:Activity|Course|Transition|Lap|Creator|Trackpoint|Track|Time|DistanceMeters)"
             rb"(?=[\s/>])")
_LEAF = rb"<(?:Time|DistanceMeters)(?=[\s/>])" + _ATTRS + rb"(?:/>|>[^<]*+</[^>]*>)"
_ITEM = (rb"<(?!" + _ROOT_NOT + rb")([^\s/>=<]+)" + _ATTRS +
         rb"(?:/>|>(?:[^<]++|<(?!/\1\s*>)(?!/?" + _INERT + rb"))*+</\1\s*>)")
_TRACKPOINT = (rb"<Trackpoint(?=[\s/>])" + _ATTRS +
               rb"(?:/>|>(?:[^<]++|" + _LEAF + rb"|" + _ITEM + rb")*+</Trackpoint\s*>)")
_TRACK_BODY = re.compile(rb"(?:[^<]++|" + _TRACKPOINT + rb")*+")
# The same language restricted to the TCX schema's Trackpoint_t (children in schema order, no
# attributes): literal matching with few lookaheads, about twice as fast. Tried first.
_SIMPLE = rb"<%s>[^<]*+</%s>\s*+"
_SCHEMA_TRACKPOINT = (
    rb"<Trackpoint>\s*+(?:" + _SIMPLE % (b"Time", b"Time") + rb")?"
    rb"(?:<Position>\s*+" + _SIMPLE % (b"LatitudeDegrees", b"LatitudeDegrees")
    + _SIMPLE % (b"LongitudeDegrees", b"LongitudeDegrees") + rb"</Position>\s*+)?"
    rb"(?:" + _SIMPLE % (b"AltitudeMeters", b"AltitudeMeters") + rb")?"
    rb"(?:" + _SIMPLE % (b"DistanceMeters", b"DistanceMeters") + rb")?"
    rb"(?:<HeartRateBpm>\s*+" + _SIMPLE % (b"Value", b"Value") + rb"</HeartRateBpm>\s*+)?"
    rb"(?:" + _SIMPLE % (b"Cadence", b"Cadence") + rb")?"
    rb"(?:" + _SIMPLE % (b"SensorState", b"SensorState") + rb")?"
    rb"(?:<Extensions>(?:[^<]++|<(?!/Extensions>)(?!/?" + _INERT + rb"))*+</Extensions>\s*+)?"
    rb"</Trackpoint>")
_SCHEMA_TRACK_BODY = re.compile(rb"\s*+(?:" + _SCHEMA_TRACKPOINT + rb"\s*+)*+")
_TP_TIME = re.compile(rb"<Time" + _ATTRS + rb">([^<]*)<")
_TP_DIST = re.compile(rb"<DistanceMeters" + _ATTRS + rb">([^<]*)<")
_TP_POSITION = re.compile(rb"<Position[\s/>]")
# A trackpoint distance that is not a plain decimal (which float() reads, finite, as _number does).
_TP_DIST_UNUSUAL = re.compile(rb"<DistanceMeters(?!>\s*+[-+]?\d{1,15}+(?:\.\d{0,17}+)?\s*+</)")


class _Decline(Exception):
    """The fast path cannot prove it matches _parse here."""


def _read_fast(data: bytes) -> list[Activity] | None:
    """``_read_exact(data)``'s result for documents the fast path can vouch for, else None.

    It raises only what ``_build`` raises (NotAnActivity, Undatable, ParseError from a date or a
    plausibility check), with the same message; parse-time errors are left to the exact path.
    """
    if not isinstance(data, (bytes, bytearray)):
        return None
    try:
        parsed = _scan(bytes(data))
    except _Decline:
        return None
    return _build(*parsed)


def _scan(data: bytes):
    """(root, acts, counts) exactly as ``_parse(data)`` returns them, or _Decline."""
    m = _DECL.match(data)
    bom, decl = m.group(1), m.group(2)
    enc = b"utf-8"
    if decl is not None:
        e = _DECL_ENC.search(decl)
        if e is not None:
            enc = e.group(2).lower()
    codec = _ENCODINGS.get(enc)
    if codec is None or (bom and codec != "utf-8"):
        raise _Decline  # UTF-16, other or unknown encodings: bytes are not ASCII-shaped
    pos = _MISC.match(data, m.end()).end()
    root_tag = _TAG.match(data, pos)
    if root_tag is None or root_tag.group(1) or root_tag.group(4):
        raise _Decline
    if root_tag.group(2) != b"TrainingCenterDatabase":
        raise _Decline  # the exact path words the error (and strips any prefix)
    body = root_tag.end()
    # After the root tag every "<" starts an element tag: no comments, CDATA, PIs (a DOCTYPE can
    # only precede the root). Attribute values and text cannot hold a raw "<".
    for mark in (b"!", b"?"):  # memchr for the rare byte, then look at the byte before
        i = data.find(mark, body)
        while i >= 0:
            if data[i - 1] == 0x3C:  # "<"
                raise _Decline
            i = data.find(mark, i + 1)
    if _PREFIXED.search(data, body):
        raise _Decline

    # Well-formed (and no DOCTYPE) with the exact path's parser settings, all in C.
    parser = _xml.make_parser()
    try:
        _xml.feed(parser, data, "TCX")
    except ParseError:
        raise _Decline from None  # the exact path reports it (or an earlier value error)

    return _replay(data, codec, body)


def _text(raw: bytes, codec: str) -> str:
    """Element text as expat hands it to _parse (joined, then stripped)."""
    if b"&" in raw:
        raise _Decline  # entity or character reference
    value = raw.decode(codec).strip()
    if "\r" in value:
        raise _Decline  # expat turns line ends into \\n
    return value


def _attr(attrs: bytes, name: bytes, codec: str) -> str | None:
    for m in _ATTR.finditer(attrs):
        if m.group(1) == name:
            raw = m.group(2) if m.group(2) is not None else m.group(3)
            if b"&" in raw or b"\r" in raw or b"\n" in raw or b"\t" in raw:
                raise _Decline  # references and attribute-value normalisation
            return raw.decode(codec)
    return None


def _replay(data: bytes, codec: str, pos: int):
    """``_parse``'s handlers replayed over the tags outside Track bodies (starting with the root)."""
    stack: list[str] = ["TrainingCenterDatabase"]
    acts: list[_Act] = []
    counts = {"Course": 0, "Transition": 0}
    cur: _Act | None = None
    tracks: list[tuple[_Act, int, int]] = []  # trackpoint distances to take the max of, maybe
    text_at = -1  # where an open text field's text starts; -1: none open
    find = data.find
    match = _TAG.match
    while stack:
        lt = find(b"<", pos)
        m = match(data, lt) if lt >= 0 else None
        if m is None:
            raise _Decline
        pos = m.end()
        ln = m.group(2).decode("ascii", "replace")
        if not m.group(1):  # start tag
            if text_at >= 0:
                raise _Decline  # an element inside a text field
            parent = stack[-1]
            stack.append(ln)
            if (parent, ln) in _TEXT_FIELDS:
                text_at = pos
            elif ln == "Activity":
                cur = _Act(_attr(m.group(3), b"Sport", codec))
                acts.append(cur)
            elif ln == "Lap" and cur is not None and parent == "Activity":
                cur.laps += 1
                if cur.lap_start is None:
                    cur.lap_start = _attr(m.group(3), b"StartTime", codec)
            elif ln == "Position" and parent == "Trackpoint" and cur is not None:
                cur.has_pos = True
            elif ln in counts:
                counts[ln] += 1
                if ln == "Transition":
                    cur = None
            elif ln == "Track" and not m.group(4):
                end = _TRACK_END.search(data, pos)
                if end is None:
                    raise _Decline
                if _track(data, pos, end.start(), cur, codec):
                    tracks.append((cur, pos, end.start()))
                pos = end.start()  # its close tag is replayed next
            if not m.group(4):
                continue
            text_end = pos  # self-closing: an empty element, end right away
        else:
            text_end = lt
        # end tag
        ln = stack.pop()
        if text_at >= 0:
            raw = data[text_at:text_end] if text_end > text_at else b""
            text_at = -1
            a = cur
            if a is None:
                continue
            value = _text(raw, codec)
            if not value:
                continue
            _apply_text(a, ln, value, stack, _fast_number)
        elif ln in ("Activity", "Transition"):
            cur = None
    for a, start, end in tracks:
        # Only a distance source when no lap has one; the values were checked in _track. The
        # order of max() does not matter: only +0.0 and -0.0 tie, and both give 0.0 downstream.
        if not a.laps_with_dist:
            d = max(map(float, filter(None, map(bytes.strip, _TP_DIST.findall(data, start, end)))),
                    default=None)
            if d is not None and (a.tp_max_dist is None or d > a.tp_max_dist):
                a.tp_max_dist = d
    return "TrainingCenterDatabase", acts, counts


def _fast_number(value: str, what: str = "") -> float:
    try:
        return _number(value, what)
    except ParseError:
        raise _Decline from None  # the exact path raises it, in document order


def _track(data: bytes, start: int, end: int, a: _Act | None, codec: str) -> bool:
    """Apply a <Track> body (data[start:end]) to activity ``a`` as _parse would, except the
    trackpoint distance maximum: True when the caller must take it (all values are checked)."""
    if (_SCHEMA_TRACK_BODY.fullmatch(data, start, end) is None
            and _TRACK_BODY.fullmatch(data, start, end) is None):
        raise _Decline
    if a is None:
        return False  # no activity: trackpoints change nothing (and their values are not checked)
    if data.find(b"&", start, end) >= 0:
        raise _Decline
    if not a.has_pos and _TP_POSITION.search(data, start, end):
        a.has_pos = True
    # Every <DistanceMeters> here is a trackpoint's text field: _parse checks each non-empty one.
    if _TP_DIST_UNUSUAL.search(data, start, end):
        raw = _TP_DIST.findall(data, start, end)
        if not b"".join(raw).isascii():
            raise _Decline  # str.strip/float of non-ASCII text: leave it to the exact path
        try:
            values = list(map(float, filter(None, map(bytes.strip, raw))))
        except ValueError:
            raise _Decline from None
        if not all(map(math.isfinite, values)):
            raise _Decline
    # The last non-empty <Time> (all are trackpoint text fields) wins.
    i = end
    while True:
        i = data.rfind(b"<Time", start, i)
        if i < 0:
            break
        m = _TP_TIME.match(data, i, end)
        if m is not None:  # else <TimeX ...> or <Time/>
            value = _text(m.group(1), codec)
            if value:
                a.last_tp_time = value
                break
    return True


def read_bytes(data: bytes, *, name: str | None = None, date=None) -> list[Activity]:
    """Activities in TCX ``data``, one per ``<Activity>``. ``date`` is unused (TCX is dated).

    Raises NotAnActivity for courses and empty files, Undatable for an activity without Id or
    lap start time, ParseError for bad XML or implausible values.

    The fast path (``_read_fast``) gives the same result for the documents it accepts and
    declines everything else, which then takes the exact SAX path (``_read_exact``).
    """
    acts = _read_fast(data)
    if acts is None:
        acts = _read_exact(data)
    return acts


def _read_exact(data: bytes) -> list[Activity]:
    """The reference reader: a Python SAX handler per element."""
    return _build(*_parse(data))


def _build(root, acts: list[_Act], counts) -> list[Activity]:
    if root != "TrainingCenterDatabase":
        raise ParseError(f"not a TCX file: root element <{root}>")
    if not acts:
        if counts["Course"]:
            raise NotAnActivity("not an activity: TCX course")
        raise NotAnActivity("not an activity: TCX file without activities")
    out = []
    for i, a in enumerate(acts):
        start = _time(a.id, "activity Id") or _time(a.lap_start, "lap StartTime")
        if start is None:
            raise Undatable(f"TCX activity {i + 1} has no Id or lap start time")
        if a.laps_with_dist:
            distance = a.lap_dist
        else:
            distance = a.tp_max_dist or 0.0
        moving = round(a.lap_time, 3) if a.laps else None  # drop float summation noise
        elapsed = moving
        last = _time(a.last_tp_time, "trackpoint Time")
        if last is not None:
            span = (last - start).total_seconds()
            if elapsed is None or span > elapsed:
                elapsed = span
        act = Activity(
            start=start,
            sport=text_sport(a.sport),
            distance_m=distance,
            source="tcx",
            elapsed_s=elapsed,
            moving_s=moving,
            device=a.device,
            has_gps=a.has_pos,
            session_index=i,
            extra={"tcx_sport": a.sport, "laps": a.laps},
        )
        if not a.laps_with_dist and a.tp_max_dist is not None:
            act.warnings.append("no lap distance: distance from the last trackpoint")
        out.append(check(act))
    return out
