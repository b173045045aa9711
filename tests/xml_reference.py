"""Reference readers for the differential tests of the GPX and TCX readers.

Independent of lxml: the standard library's parsers (ElementTree for GPX, expat SAX for TCX),
the simplest code that states the rules (what the readers' earlier element-based paths did). They
return only what the rules define, so tests compare the lxml readers against them field by field.
Shared with the readers on purpose: the time parser (``importers._xml.micros``, tested on its
own) and TCX's number and activity-building rules (the part under test is the parse).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET
from xml.parsers import expat

from importers import ParseError, _xml, tcx
from importers.gpx import OUTING_GAP_S, haversine_m  # the readers' own formula, on purpose
from importers.infer import MOVING_SPEED_MS


class XMLError(Exception):
    """The reference parser found the document not well-formed (or with a DOCTYPE)."""


def _refuse(*_a):
    raise XMLError("DOCTYPE")


def _check_well_formed(data: bytes) -> None:
    p = expat.ParserCreate(namespace_separator="}")
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    try:
        p.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError, UnicodeError) as exc:
        raise XMLError(str(exc)) from None


def gpx_summary(data: bytes) -> dict:
    """What a GPX holds, by a full ElementTree parse. Raises XMLError or ParseError (a bad
    coordinate or time, with the readers' message)."""
    _check_well_formed(data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise XMLError(str(exc)) from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    out = {
        "creator": root.get("creator"),
        "points": 0,
        "timed": 0,
        "distance": 0.0,
        "elapsed": 0.0,
        "moving": 0.0,
        "first_us": None,
        "names": [],
        "types": [],
    }
    meta = root.find(ns + "metadata")
    out["meta_name"] = _strip(meta.findtext(ns + "name") if meta is not None else None)
    if out["meta_name"] is None:
        out["meta_name"] = _strip(root.findtext(ns + "name"))
    out["route_points"] = len([e for e in root.iter() if _local(e.tag) == "rtept"])
    out["waypoints"] = len([e for e in root.iter() if _local(e.tag) == "wpt"])
    for trk in (e for e in root.iter() if _local(e.tag) == "trk"):
        tns = _ns(trk.tag)
        out["names"].append(_strip(trk.findtext(tns + "name")))
        out["types"].append(_strip(trk.findtext(tns + "type")))
        # its segments, then the points directly in the track (not valid GPX, but seen)
        for seg in [e for e in trk.iter() if _local(e.tag) == "trkseg"] + [trk]:
            _segment(seg, out)
    return out


def _segment(seg, out: dict) -> None:
    prev = None
    first_t = prev_t = None
    since = 0.0
    for pt in (e for e in seg if _local(e.tag) == "trkpt"):
        out["points"] += 1
        i = out["points"]
        lat = _coord(pt.get("lat"), "latitude", 90.0, i)
        lon = _coord(pt.get("lon"), "longitude", 180.0, i)
        text = pt.findtext(_ns(pt.tag) + "time")
        us = None
        if text:
            try:
                us = _xml.micros(text)
            except ValueError:
                raise ParseError(f"track point {i} has an unreadable time {text[:40]!r}") from None
        if us is not None and prev_t is not None and us / 1e6 - prev_t > OUTING_GAP_S:
            # another outing begins: the jump is no distance, the stretch so far is done
            out["elapsed"] += max(0.0, prev_t - first_t)
            first_t = prev_t = None
            prev = None
            since = 0.0
        if prev is not None:
            d = haversine_m(prev[0], prev[1], lat, lon)
            out["distance"] += d
            since += d
        prev = (lat, lon)
        if us is None:
            continue
        out["timed"] += 1
        t = us / 1e6
        if out["first_us"] is None or us < out["first_us"]:
            out["first_us"] = us
        if first_t is None:
            first_t = t
        elif t - prev_t > 0 and since / (t - prev_t) >= MOVING_SPEED_MS:
            out["moving"] += t - prev_t
        prev_t = t
        since = 0.0
    if first_t is not None:
        out["elapsed"] += max(0.0, prev_t - first_t)


def _coord(raw, label: str, limit: float, i: int) -> float:
    if raw is None:
        raise ParseError(f"track point {i} has no {label}")
    try:
        v = float(raw)
    except ValueError:
        raise ParseError(f"track point {i} has an unreadable {label} {raw[:40]!r}") from None
    if not -limit <= v <= limit:
        raise ParseError(f"track point {i} has {label} {raw[:40]} out of range")
    return v


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _strip(text):
    return (text or "").strip() or None


# --- TCX: the SAX rules --------------------------------------------------------------------

_TEXT_FIELDS = {
    ("Activity", "Id"),
    ("Lap", "TotalTimeSeconds"),
    ("Lap", "DistanceMeters"),
    ("Trackpoint", "Time"),
    ("Trackpoint", "DistanceMeters"),
    ("Creator", "Name"),
}


def tcx_parse(data: bytes):
    """(root, activities, counts) as ``importers.tcx._build`` takes them, by expat SAX."""
    stack: list[str] = []
    acts: list = []
    counts = {"Course": 0, "Transition": 0}
    state = {"text": None, "cur": None, "root": None, "depth": 0, "child": False}

    def start(name, attrs):
        ln = name.rpartition("}")[2]
        parent = stack[-1] if stack else None
        if parent is None:
            state["root"] = ln
        stack.append(ln)
        cur = state["cur"]
        if state["text"] is not None:
            state["child"] = True  # inside a text field: its text is what comes before a child
            return
        if (parent, ln) in _TEXT_FIELDS:
            state["text"] = []
            state["depth"] = len(stack)
        elif ln == "Activity":
            state["cur"] = tcx._Act()
            state["cur"].sport = attrs.get("Sport")
            acts.append(state["cur"])
        elif ln == "Lap" and cur is not None and parent == "Activity":
            cur.laps += 1
            if cur.lap_start is None:
                cur.lap_start = attrs.get("StartTime")
        elif ln == "Position" and parent == "Trackpoint" and cur is not None:
            cur.has_pos = True
        elif ln in counts:
            counts[ln] += 1
            if ln == "Transition":
                state["cur"] = None

    def end(name):
        depth = len(stack)
        ln = stack.pop()
        if state["text"] is not None and depth != state["depth"]:
            return  # a child of a text field
        if state["text"] is not None:
            value = "".join(state["text"]).strip()
            state["text"] = None
            state["child"] = False
            if state["cur"] is not None and value:
                _apply(state["cur"], ln, value, stack)
        elif ln in ("Activity", "Transition"):
            state["cur"] = None

    def chars(t):
        if state["text"] is not None and len(stack) == state["depth"] and not state["child"]:
            state["text"].append(t)

    p = expat.ParserCreate(namespace_separator="}")
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    p.buffer_text = True
    try:
        p.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError, UnicodeError) as exc:
        raise XMLError(str(exc)) from None
    return state["root"], acts, counts


def _apply(a, ln: str, value: str, stack: list) -> None:
    if ln == "Id":
        a.id = value
    elif ln == "TotalTimeSeconds":
        a.lap_time += tcx._number(value, "lap time")
    elif ln == "DistanceMeters":
        d = tcx._number(value, "distance")
        if stack and stack[-1] == "Lap":
            a.lap_dist += d
            a.laps_with_dist += 1
        elif a.tp_max_dist is None or d > a.tp_max_dist:
            a.tp_max_dist = d
    elif ln == "Time":
        a.last_tp_time = value
    elif ln == "Name" and len(stack) >= 2 and stack[-2] == "Activity":
        a.device = value
