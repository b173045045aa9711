"""Garmin Connect data export (the DI_CONNECT folder, zipped or not).

Activities are listed in `DI-Connect-Fitness/<user>_<n>_summarizedActivities.json`, distances in
centimeters and durations in milliseconds; pairs and their activities in `<user>_gear.json`; the
FIT files sit in nested zips (`DI-Connect-Uploaded-Files/UploadedFiles_*.zip`, in older exports
under DI-Connect-Fitness), named by upload, so a file is joined to its summary by start time.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

from importers.model import Activity
from shoetrack.errors import ShoetrackError
from shoetrack.exports.archive import Archive
from shoetrack.exports.common import is_activity_name
from shoetrack.exports.model import Gear, Plan, Record

SUMMARIES = re.compile(r"(^|/)DI-Connect-Fitness/[^/]*summarizedActivities[^/]*\.json$")
GEAR = re.compile(r"(^|/)DI-Connect-Fitness/[^/]*_gear\.json$")
UPLOADS = re.compile(r"(^|/)DI-Connect-(Uploaded-Files|Fitness)/(.*/)?UploadedFiles_[^/]*\.zip$")
FILES = re.compile(r"(^|/)DI-Connect-Uploaded-Files/")
MAX_TABLE = 512 * 2**20  # a summary table of 50,000 activities is ~150 MB

# Garmin activity type keys -> canonical sports.
TYPES = {
    "running": "run",
    "street_running": "run",
    "obstacle_run": "trail_run",
    "trail_running": "trail_run",
    "treadmill_running": "treadmill_run",
    "indoor_running": "treadmill_run",
    "virtual_run": "treadmill_run",
    "track_running": "track_run",
    "walking": "walk",
    "casual_walking": "walk",
    "speed_walking": "walk",
    "hiking": "hike",
    "mountaineering": "hike",
    "cycling": "cycling",
    "road_biking": "cycling",
    "mountain_biking": "cycling",
    "gravel_cycling": "cycling",
    "indoor_cycling": "cycling",
    "virtual_ride": "cycling",
    "lap_swimming": "swimming",
    "open_water_swimming": "swimming",
    "swimming": "swimming",
    "rowing": "rowing",
    "indoor_rowing": "rowing",
    "strength_training": "strength",
    "multi_sport": "multisport",
}


def sport_of(item: dict) -> str:
    t = item.get("activityType")
    key = (t.get("typeKey") if isinstance(t, dict) else t) or item.get("sportType") or ""
    return TYPES.get(str(key).lower(), "other")


def _start(item: dict) -> datetime:
    for key in ("beginTimestamp", "startTimeGmt"):
        v = item.get(key)
        if isinstance(v, (int, float)):
            return datetime.fromtimestamp(v / 1000, tz=timezone.utc)
        if isinstance(v, str) and v.strip():
            return datetime.fromisoformat(v.strip().replace(" ", "T")[:19]).replace(
                tzinfo=timezone.utc
            )
    raise ShoetrackError("no start time (beginTimestamp or startTimeGmt)")


def _seconds(item: dict, key: str) -> float | None:
    v = item.get(key)
    return float(v) / 1000 if isinstance(v, (int, float)) and v >= 0 else None


def record(item: dict) -> Record:
    """One summarizedActivitiesExport entry (centimeters, milliseconds) as a Record."""
    cm = item.get("distance")
    elapsed = _seconds(item, "elapsedDuration") or _seconds(item, "duration")
    act = Activity(
        start=_start(item),
        sport=sport_of(item),
        distance_m=float(cm) / 100 if isinstance(cm, (int, float)) and cm > 0 else 0.0,
        source="garmin",
        elapsed_s=elapsed,
        moving_s=_seconds(item, "movingDuration"),
        name=item.get("name") or None,
    )
    return Record(str(item.get("activityId")), act)


def read_summaries(data: bytes) -> tuple[list[Record], list[tuple[str, str]]]:
    """The summaries as Records, and (activityId, reason) for each that cannot be read."""
    doc = json.loads(data)
    items: list = []
    for block in doc if isinstance(doc, list) else [doc]:
        if isinstance(block, dict):
            items.extend(block.get("summarizedActivitiesExport") or [])
    out, bad = [], []
    for item in items:
        try:
            out.append(record(item))
        except (ShoetrackError, ValueError, TypeError, OverflowError, AttributeError) as e:
            bad.append((str(item.get("activityId") if isinstance(item, dict) else "?"), str(e)))
    return out, bad


def _day(text) -> date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    return date.fromisoformat(text[:10])


def read_gear(data: bytes) -> tuple[dict[str, Gear], dict[str, str]]:
    """gear.json: the shoe gear (gearPk -> Gear) and activityId -> gearPk for those shoes."""
    doc = json.loads(data)
    blocks = [b for b in (doc if isinstance(doc, list) else [doc]) if isinstance(b, dict)]
    gear: dict[str, Gear] = {}
    today = datetime.now().astimezone().date()
    for b in blocks:
        for g in b.get("gearDTOS") or []:
            if str(g.get("gearTypeName", "")).lower() not in ("shoes", "shoe"):
                continue
            key = str(g.get("gearPk"))
            name = (
                g.get("customMakeModel")
                or g.get("displayName")
                or " ".join(str(g[k]) for k in ("gearMakeName", "gearModelName") if g.get(k))
                or f"Garmin gear {key}"
            )
            retired = None
            if str(g.get("gearStatusName", "")).lower() == "retired":
                end = _day(g.get("dateEnd"))
                retired = min(end + timedelta(days=1), today) if end else today
            cap = g.get("maximumMeters")
            gear[key] = Gear(
                key,
                name.strip(),
                g.get("gearMakeName"),
                g.get("gearModelName"),
                purchased_on=_day(g.get("dateBegin")),
                retired_on=retired,
                replace_at_m=float(cap) if isinstance(cap, (int, float)) and cap > 0 else None,
            )
    links = {}
    for b in blocks:
        for group in (b.get("gearActivityDTOs") or {}).values():
            for link in group or []:
                pk = str(link.get("gearPk"))
                if pk in gear:
                    links[str(link.get("activityId"))] = pk
    return gear, links


def plan(arc: Archive, prefix: str = "") -> Plan:
    """Read a Garmin export; `prefix` is unused (members are found by pattern at any depth)."""
    out = Plan("garmin", join_by_start=True)
    names = arc.names()
    tables = sorted(n for n in names if SUMMARIES.search(n))
    out.listing = tables[0] if tables else ""
    for n in tables:
        try:
            records, bad = read_summaries(arc.read(n, MAX_TABLE))
        except (ValueError, ShoetrackError) as e:
            raise ShoetrackError(f"{n}: {e}") from None
        out.records.extend(records)
        out.problems.extend((f"{n}#{key}", reason) for key, reason in bad)
    links: dict[str, str] = {}
    for n in sorted(n for n in names if GEAR.search(n)):
        try:
            gear, found = read_gear(arc.read(n, MAX_TABLE))
        except (ValueError, ShoetrackError) as e:
            raise ShoetrackError(f"{n}: {e}") from None
        out.gear.update(gear)
        links.update(found)
    for r in out.records:
        r.gear = links.get(r.key)
    out.nested = sorted(n for n in names if UPLOADS.search(n))
    out.files = sorted(n for n in names if FILES.search(n) and is_activity_name(n))
    return out
