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
from array import array

from . import _xml, infer
from .model import Activity, NotAnActivity, ParseError, Undatable
from .sports import text_sport
from .validate import check

class _Act:
    """What one ``<Activity>`` held; filled while its content streams past."""

    def __init__(self):
        self.sport = None
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
        # (time text, cumulative distance) of each trackpoint with both: the track's speeds,
        # read only when the file names no sport
        self.samples: list[tuple[str, float]] = []
        self.tp_time = self.tp_dist = None  # the current trackpoint's


def _number(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ParseError(f"TCX {what} is not a number: {text[:40]!r}") from None
    if not math.isfinite(v):
        raise ParseError(f"TCX {what} is not a finite number: {text[:40]!r}")
    return v


class _Reader:
    """Streaming state. Everything inside an ``<Activity>`` accumulates in ``acc`` and becomes
    that activity when its end tag arrives; content outside any activity (a transition's laps,
    a course's trackpoints) is dropped where its container ends."""

    def __init__(self):
        self.root = None
        self.acts: list[_Act] = []
        self.counts = {"Course": 0, "Transition": 0}
        self.acc = _Act()
        self.local: dict[str, str] = {}  # tag -> local name

    def name(self, el) -> str:
        tag = el.tag
        ln = self.local.get(tag)
        if ln is None:
            ln = self.local[tag] = _xml.split_tag(tag)[1] if isinstance(tag, str) else ""
        return ln

    def parent_name(self, el) -> str | None:
        parent = el.getparent()
        return None if parent is None else self.name(parent)

    def text(self, el, ln: str) -> None:
        """A text field (Id, TotalTimeSeconds, DistanceMeters, Time, Name) in its place."""
        value = el.text
        if not value or not (value := value.strip()):
            return
        parent = self.parent_name(el)
        a = self.acc
        if parent == "Trackpoint":
            if ln == "Time":
                a.tp_time = value
            elif ln == "DistanceMeters":
                d = a.tp_dist = _number(value, "distance")
                if a.tp_max_dist is None or d > a.tp_max_dist:
                    a.tp_max_dist = d
        elif parent == "Lap" and ln == "TotalTimeSeconds":
            a.lap_time += _number(value, "lap time")
        elif parent == "Lap" and ln == "DistanceMeters":
            a.lap_dist += _number(value, "distance")
            a.laps_with_dist += 1
        elif parent == "Activity" and ln == "Id":
            a.id = value
        elif parent == "Creator" and ln == "Name":
            grand = el.getparent().getparent()
            if grand is not None and self.name(grand) == "Activity":
                a.device = value

    def trackpoint(self) -> None:
        a = self.acc
        if a.tp_time:
            a.last_tp_time = a.tp_time
            if a.tp_dist is not None:
                a.samples.append((a.tp_time, a.tp_dist))
        a.tp_time = a.tp_dist = None

    def container(self, el, ln: str) -> None:
        """The end of an Activity, Lap, Position, Transition, Course or the root."""
        a = self.acc
        if ln == "Activity":
            a.sport = el.get("Sport")
            self.acts.append(a)
            self.acc = _Act()
        elif ln == "Lap" and self.parent_name(el) == "Activity":
            a.laps += 1
            if a.lap_start is None:
                a.lap_start = el.get("StartTime")
        elif ln == "Position" and self.parent_name(el) == "Trackpoint":
            a.has_pos = True
        elif ln in self.counts:
            self.counts[ln] += 1
            self.acc = _Act()  # a transition's laps and a course's points are no activity's


_TEXTS = frozenset(("Id", "TotalTimeSeconds", "DistanceMeters", "Time", "Name"))
_CONTAINERS = frozenset(("Activity", "Lap", "Position", "Transition", "Course"))
_TAGS = tuple("{*}" + t for t in sorted(_TEXTS | _CONTAINERS | {"Trackpoint", "TrainingCenterDatabase"}))


def _parse(data: bytes):
    """(root local name, activities, {"Course": n, "Transition": n}) in one streaming pass.

    Elements are matched by local name in any namespace (Garmin redeclares the default
    namespace inside extensions); text fields count only in their TCX parent."""
    r = _Reader()
    r.root = _xml.check_prolog(data)
    local = r.local
    for batch in _xml.iter_end(data, "TCX", _TAGS):
        for el in batch:
            ln = local.get(el.tag) or r.name(el)
            if ln in _TEXTS:
                r.text(el, ln)
            elif ln == "Trackpoint":
                r.trackpoint()
            elif ln in _CONTAINERS:
                r.container(el, ln)
    return r.root, r.acts, r.counts


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
            sport=text_sport(a.sport) if a.sport else "other",
            distance_m=distance,
            source="tcx",
            elapsed_s=elapsed,
            moving_s=moving,
            device=a.device,
            has_gps=a.has_pos,
            session_index=i,
            extra={"tcx_sport": a.sport, "laps": a.laps},
        )
        if not (a.sport or "").strip():
            _infer(act, a.samples)
        if not a.laps_with_dist and a.tp_max_dist is not None:
            act.warnings.append("no lap distance: distance from the last trackpoint")
        out.append(check(act))
    return out


def _infer(act: Activity, samples: list[tuple[str, float]]) -> None:
    """The file names no sport: infer it from the trackpoints' (time, cumulative distance)."""
    speeds, gaps = array("d"), array("d")
    prev = None
    for text, dist in samples:
        try:
            t = _xml.micros(text) / 1e6
        except ValueError:
            continue  # an unreadable time only costs this sample
        if prev is not None:
            gap = t - prev[0]
            if gap > 0 and (dist - prev[1]) / gap >= infer.MOVING_SPEED_MS:
                speeds.append((dist - prev[1]) / gap)
                gaps.append(gap)
        prev = (t, dist)
    infer.apply(act, speeds, gaps)
