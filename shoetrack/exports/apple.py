"""Apple Health export (`export.zip`, or the `apple_health_export/` folder): the workouts of
export.xml. Up to iOS 15 a workout's distance is on the element (`totalDistance`,
`totalDistanceUnit`); from iOS 16 it is in a `<WorkoutStatistics>` child. Health holds no gear.

export.xml runs to gigabytes: it is streamed through expat in 1 MiB chunks, keeping only the
workout being read; an entity declaration refuses the document (its DTD needs none, and entity
expansion is how an XML bomb grows).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from xml.parsers import expat

from importers.model import Activity
from shoetrack.errors import ShoetrackError
from shoetrack.exports.model import Plan, Record

TYPES = {
    "Running": "run",
    "Walking": "walk",
    "Hiking": "hike",
    "Cycling": "cycling",
    "HandCycling": "cycling",
    "Swimming": "swimming",
    "Rowing": "rowing",
    "TraditionalStrengthTraining": "strength",
    "FunctionalStrengthTraining": "strength",
}
DISTANCE_TYPES = {  # WorkoutStatistics types that carry the workout's distance
    "HKQuantityTypeIdentifierDistanceWalkingRunning",
    "HKQuantityTypeIdentifierDistanceCycling",
    "HKQuantityTypeIdentifierDistanceSwimming",
}
TO_METERS = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048, "cm": 0.01}
TO_SECONDS = {"s": 1.0, "min": 60.0, "hr": 3600.0, "h": 3600.0}


def when(text: str) -> datetime:
    """'2022-05-29 17:53:35 +0200' -> aware UTC datetime."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z").astimezone(timezone.utc)


def _meters(value, unit) -> float | None:
    if value in (None, ""):
        return None
    factor = TO_METERS.get((unit or "km").strip())
    if factor is None:
        raise ShoetrackError(f"unknown distance unit {unit!r}")
    return float(value) * factor


class _Workouts:
    """expat handlers that collect finished workouts as (attributes, distance_m, routes)."""

    def __init__(self):
        self.done: list[tuple[dict, float | None, list[str]]] = []
        self.current: dict | None = None
        self.stat: float | None = None
        self.routes: list[str] = []

    def start(self, tag, attrs):
        if tag == "Workout":
            self.current, self.stat, self.routes = attrs, None, []
        elif self.current is None:
            return
        elif tag == "WorkoutStatistics" and attrs.get("type") in DISTANCE_TYPES:
            self.stat = _meters(attrs.get("sum"), attrs.get("unit"))
        elif tag == "FileReference" and attrs.get("path"):
            self.routes.append(attrs["path"].lstrip("/"))

    def end(self, tag):
        if tag == "Workout" and self.current is not None:
            self.done.append((self.current, self.stat, self.routes))
            self.current = None


def _refuse_entity(*_args):
    raise ShoetrackError("refused: export.xml declares an entity")


def workouts(chunks: Iterator[bytes]) -> Iterator[tuple[dict, float | None, list[str]]]:
    """Each <Workout>'s attributes, its iOS 16 statistics distance (meters) and route paths."""
    parser = expat.ParserCreate()
    w = _Workouts()
    parser.StartElementHandler, parser.EndElementHandler = w.start, w.end
    parser.EntityDeclHandler = _refuse_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            yield from w.done
            w.done.clear()
        parser.Parse(b"", True)
    except expat.ExpatError as e:
        raise ShoetrackError(f"export.xml: damaged XML: {e}") from None
    yield from w.done


def record(
    attrs: dict, stat_m: float | None, routes: list[str], names: set[str], base: str
) -> Record:
    kind = attrs.get("workoutActivityType", "").removeprefix("HKWorkoutActivityType")
    start = when(attrs["startDate"])
    elapsed = None
    if attrs.get("duration"):
        elapsed = float(attrs["duration"]) * TO_SECONDS.get(attrs.get("durationUnit", "min"), 60.0)
    distance = _meters(attrs.get("totalDistance"), attrs.get("totalDistanceUnit"))
    if not distance and stat_m:
        distance = stat_m  # iOS 16 and later
    act = Activity(
        start=start,
        sport=TYPES.get(kind, "other"),
        distance_m=distance or 0.0,
        source="apple",
        elapsed_s=elapsed,
        device=attrs.get("sourceName") or None,
        has_gps=any(base + r in names for r in routes),
    )
    return Record(f"{attrs['startDate']}|{kind}", act)


def plan(arc, prefix: str = "") -> Plan:
    """Read a Health export whose export.xml is at `prefix`."""
    out = Plan("apple", listing=prefix + "export.xml")
    names = set(arc.names())
    for attrs, stat_m, routes in workouts(arc.chunks(out.listing)):
        try:
            out.records.append(record(attrs, stat_m, routes, names, prefix))
        except (KeyError, ValueError, ShoetrackError) as e:
            out.notes.append(f"a workout skipped: {e}")
    return out
