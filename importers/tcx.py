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
            parent = stack[-1] if stack else None
            if a is None or not value:
                return
            if ln == "Id":
                a.id = value
            elif ln == "TotalTimeSeconds":
                a.lap_time += _number(value, "lap time")
            elif ln == "DistanceMeters":
                d = _number(value, "distance")
                if parent == "Lap":
                    a.lap_dist += d
                    a.laps_with_dist += 1
                elif a.tp_max_dist is None or d > a.tp_max_dist:
                    a.tp_max_dist = d
            elif ln == "Time":
                a.last_tp_time = value
            elif ln == "Name" and len(stack) >= 2 and stack[-2] == "Activity":
                a.device = value
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


def read_bytes(data: bytes, *, name: str | None = None, date=None) -> list[Activity]:
    """Activities in TCX ``data``, one per ``<Activity>``. ``date`` is unused (TCX is dated).

    Raises NotAnActivity for courses and empty files, Undatable for an activity without Id or
    lap start time, ParseError for bad XML or implausible values.
    """
    root, acts, counts = _parse(data)
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
