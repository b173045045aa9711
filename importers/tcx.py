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


# What the reader reacts to, by local name in any namespace (Garmin redeclares the default
# namespace inside extensions): a text field counts only under its TCX parent (its text is the
# text before its first child, stripped); the rest changes which activity content belongs to.
_TEXT_FIELDS = frozenset(
    (
        ("Activity", "Id"),
        ("Lap", "TotalTimeSeconds"),
        ("Lap", "DistanceMeters"),
        ("Trackpoint", "Time"),
        ("Trackpoint", "DistanceMeters"),
        ("Creator", "Name"),
    )
)
_NAMES = (
    "Activity",
    "Lap",
    "Trackpoint",
    "Position",
    "Course",
    "Transition",
    "Id",
    "TotalTimeSeconds",
    "DistanceMeters",
    "Time",
    "Name",
)
# "Track" is walked too: its trackpoints are what bulk reading takes in one go.
_WALK = tuple("{*}" + n for n in (*_NAMES, "Track"))


# Bulk reading. Almost all of a TCX is runs of trackpoints whose only effect is through their
# Time, DistanceMeters and Position children. ``_Reader.bulk`` reads all the children of one
# element at once when they are such a run: the element is none whose children are text fields
# (``_FIELD_PARENTS``); none of its children is a DistanceMeters or an Activity, Lap, Course,
# Transition or Creator; below its Trackpoints there is none of those five, no Trackpoint, and no
# DistanceMeters other than a trackpoint's own child in the element's namespace. Then the rules
# come down to: every trackpoint distance checked and the largest kept, the last non-empty
# trackpoint Time, and whether any trackpoint has a Position (a Time or Position anywhere else
# changes nothing). One pass of lxml's C-level tag matching checks the shape and collects the
# distances; anything else is walked element by element.
_FIVE = tuple("{*}" + n for n in ("Activity", "Lap", "Course", "Transition", "Creator"))
_TP = "{*}Trackpoint"
_RUN_ODD = ("{*}DistanceMeters", *_FIVE)
_RUN_CHECK = (_TP, *_RUN_ODD)
_TIME = "{*}Time"
_POSITION = "{*}Position"


class _Reader:
    """The reading rules as a state machine over the start and end of the elements in
    ``_NAMES``, in document order: an ``<Activity>`` starts a new activity, whose content
    counts until it (or a ``<Transition>``) ends; content outside any activity is dropped.

    The tree is read as it is removed: after each piece of input, every finished element
    (all but the last child at each level of the open path) is read and removed, so memory
    stays flat; an element first met on the open path starts there, and ends when it is removed
    or at the end of the document."""

    def __init__(self):
        from lxml import etree

        self.acts: list[_Act] = []
        self.counts = {"Course": 0, "Transition": 0}
        self.cur: _Act | None = None
        self.text_el = None  # the text field being read: elements inside it are ignored
        self.local: dict = {}  # tag -> local name
        self.chain: list = []  # the open path after the last sweep (already started)
        self.removed = 0
        self.iterwalk = etree.iterwalk
        self.getparent = etree._Element.getparent

    def name(self, el) -> str:
        tag = el.tag
        ln = self.local.get(tag)
        if ln is None:
            ln = self.local[tag] = _xml.split_tag(tag)[1] if isinstance(tag, str) else ""
        return ln

    def parent_name(self, el) -> str | None:
        parent = el.getparent()
        return None if parent is None else self.name(parent)

    def start(self, el, ln: str) -> None:
        if self.text_el is not None:
            return
        parent = self.parent_name(el)
        a = self.cur
        if (parent, ln) in _TEXT_FIELDS:
            self.text_el = el
        elif ln == "Activity":
            a = self.cur = _Act()
            a.sport = el.get("Sport")
            self.acts.append(a)
        elif ln == "Lap" and a is not None and parent == "Activity":
            a.laps += 1
            if a.lap_start is None:
                a.lap_start = el.get("StartTime")
        elif ln == "Position" and a is not None and parent == "Trackpoint":
            a.has_pos = True
        elif ln in self.counts:
            self.counts[ln] += 1
            if ln == "Transition":
                self.cur = None  # its laps belong to no activity

    def end(self, el, ln: str) -> None:
        a = self.cur
        if self.text_el is not None:
            if el is not self.text_el:
                return
            self.text_el = None
            value = el.text
            if a is not None and value and (value := value.strip()):
                self.text(el, ln, value, a)
        elif ln == "Trackpoint":
            if a is not None:
                if a.tp_time is not None and a.tp_dist is not None:
                    a.samples.append((a.tp_time, a.tp_dist))
                a.tp_time = a.tp_dist = None
        elif ln == "Activity" or ln == "Transition":
            self.cur = None

    def text(self, el, ln: str, value: str, a: _Act) -> None:
        """A text field's (non-empty, stripped) value."""
        parent = self.parent_name(el)
        if ln == "Id":
            a.id = value
        elif ln == "TotalTimeSeconds":
            a.lap_time += _number(value, "lap time")
        elif ln == "DistanceMeters":
            d = _number(value, "distance")
            if parent == "Lap":
                a.lap_dist += d
                a.laps_with_dist += 1
            else:
                a.tp_dist = d
                if a.tp_max_dist is None or d > a.tp_max_dist:
                    a.tp_max_dist = d
        elif ln == "Time":
            a.last_tp_time = a.tp_time = value
        elif ln == "Name":
            grand = el.getparent().getparent()
            if grand is not None and self.name(grand) == "Activity":
                a.device = value

    # --- reading the tree -------------------------------------------------------------------

    def walk(self, el, started: set) -> None:
        """Every element of ``el``'s subtree, in document order (those in ``started`` have
        started already); a ``<Track>`` whose trackpoints can be read in bulk is."""
        walker = self.iterwalk(el, events=("start", "end"), tag=_WALK)
        for event, e in walker:
            ln = self.local.get(e.tag) or self.name(e)
            if ln == "Track":
                if event == "start" and len(e) and self.bulk(e):
                    walker.skip_subtree()
            elif event == "end":
                self.end(e, ln)
            elif id(e) not in started:
                self.start(e, ln)

    def bulk(self, parent, open_last: bool = False) -> bool:
        """Read all the children of ``parent`` in one go if they are a plain run of trackpoints
        (see ``_RUN_CHECK``); False, having read nothing, otherwise. ``open_last``: the last
        child may still be open; its texts are left for when it is removed (its Position, if
        any, counts now: the same activity would count it then)."""
        act = self.cur
        if self.text_el is not None:
            return False  # a text field is open (around or inside): the walk knows which
        if act is not None and not (act.sport or "").strip():
            return False  # the sport will be inferred: walk for each point's (time, distance)
        if (
            self.name(parent) in _FIELD_PARENTS
            or next(parent.iterchildren(_RUN_ODD), None) is not None
        ):
            return False
        dist_tag = _xml.split_tag(parent.tag)[0] + "DistanceMeters"
        last = parent[-1] if open_last else None
        getparent = self.getparent
        texts: list[str] = []
        keep = texts.append
        tp = None
        for e in parent.iterdescendants(_RUN_CHECK):  # document order
            p = getparent(e)
            if p is parent:
                tp = e  # a trackpoint: no other child is matched
            elif p is tp and e.tag == dist_tag:
                if p is not last:
                    keep(e.text)
            else:
                return False
        if act is None:
            return True  # outside any activity: nothing counts
        if texts:
            self.distances(texts, act)
        for tp in parent.iterchildren(_TP, reversed=True):
            if tp is not last and (t := _last_text(tp.iterchildren(_TIME))):
                act.last_tp_time = t
                break
        if not act.has_pos:
            act.has_pos = any(
                getparent(p) is parent and self.name(p) == "Trackpoint"
                for p in map(getparent, parent.iter(_POSITION))
            )
        return True

    @staticmethod
    def distances(texts: list, act: _Act) -> None:
        """Trackpoint DistanceMeters texts (None when empty), in document order: each non-empty
        one must be a finite number; the largest is kept."""
        try:
            ds = list(map(float, filter(None, texts)))  # float() strips as str.strip() does
            ok = math.isfinite(sum(ds))  # else one is not finite (or the sum overflowed)
        except ValueError:
            ok = False
        if not ok:  # the checks one by one: the first bad value's message, or blank texts
            ds = [_number(v, "distance") for t in texts if t and (v := t.strip())]
        if ds:
            top = max(ds)
            if act.tp_max_dist is None or top > act.tp_max_dist:
                act.tp_max_dist = top

    def sweep(self, root, final: bool) -> None:
        """Read and remove every finished element (all but the last child at each level of the
        open path, top down, which is document order); start the elements newly on the path.
        ``final``: the document has ended, so the path ends too, innermost first (and nothing
        is removed)."""
        old = self.chain  # the open path of the last sweep: started already
        started = {id(e) for e in old}
        chain = [root]
        node = root
        depth = 0
        while True:
            n = len(node)
            if n == 0:
                break
            if n > 1:
                self.region(node, started)
                if not final:  # else the whole tree goes at once, and removing costs a walk
                    self.remove(node, depth, old, started)
            node = node[-1]
            depth += 1
            chain.append(node)
            if id(node) not in started:
                ln = self.local.get(node.tag) or self.name(node)
                if ln in _STARTS:
                    self.start(node, ln)
        self.chain = chain
        if final:
            for e in reversed(chain):
                ln = self.local.get(e.tag) or self.name(e)
                if ln in _STARTS:
                    self.end(e, ln)

    def remove(self, node, depth: int, old: list, started: set) -> None:
        """Remove the children of ``node`` (at ``depth`` on the open path) but the last."""
        if depth + 1 < len(old) and old[depth + 1] is not node[-1]:
            # The old path leaves here, into the children being removed: let go of it first
            # (lxml would move a removed element that Python still holds, and its whole
            # subtree, into a document of its own instead of freeing it).
            started.difference_update(map(id, old[depth + 1 :]))
            del old[depth + 1 :]
        n = len(node)
        del node[: n - 1]
        self.removed += n - 1
        _xml.count_removed(self.removed, "TCX")

    def region(self, node, started: set) -> None:
        """All the children of ``node`` but the last, which are finished (the last may not be)."""
        if self.bulk(node, open_last=True):
            return
        for e in node.iter(_WALK):
            if e is not node:
                break
        else:
            return  # nothing the reader reacts to (a long run of such is a hostile file's)
        last = node[-1]
        for child in node.iterchildren():
            if child is last:
                break
            self.walk(child, started)


_STARTS = frozenset(_NAMES)
_FIELD_PARENTS = frozenset(parent for parent, _ in _TEXT_FIELDS)  # and Lap, Position: see start()


def _last_text(elements) -> str | None:
    """The last non-empty (stripped) text of ``elements``, None if none."""
    found = None
    for el in elements:
        if (t := el.text) and (t := t.strip()):
            found = t
    return found


def _parse(data: bytes):
    """(root local name, activities, {"Course": n, "Transition": n}) in one streaming pass."""
    root = _xml.check_prolog(data)
    r = _Reader()
    for tree, final in _xml.iter_tree(data, "TCX", "{*}" + root):
        if tree is not None:
            r.sweep(tree, final)
    return root, r.acts, r.counts


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
