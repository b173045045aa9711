"""Builds Strava, Garmin Connect and Apple Health exports in their real layouts, for tests and
benchmarks: full Strava column sets of three vintages (94, 99, 101 columns) and a German one,
Garmin's DI_CONNECT tree with nested UploadedFiles zips, Health's export.xml in its iOS 15 and
iOS 16 forms. Activity files come from examples/fitwriter.py and small GPX/TCX texts."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fitwriter  # examples/, on sys.path through conftest

# activities.csv as Strava wrote it in 2022 (94 columns): the names before "Athlete Weight" are
# the summary, shown in the display unit; the later copies are SI.
STRAVA_94 = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
    "Elevation Loss",
    "Elevation Low",
    "Elevation High",
    "Max Grade",
    "Average Grade",
    "Average Positive Grade",
    "Average Negative Grade",
    "Max Cadence",
    "Average Cadence",
    "Max Heart Rate",
    "Average Heart Rate",
    "Max Watts",
    "Average Watts",
    "Calories",
    "Max Temperature",
    "Average Temperature",
    "Relative Effort",
    "Total Work",
    "Number of Runs",
    "Uphill Time",
    "Downhill Time",
    "Other Time",
    "Perceived Exertion",
    "Type",
    "Start Time",
    "Weighted Average Power",
    "Power Count",
    "Prefer Perceived Exertion",
    "Perceived Relative Effort",
    "Commute",
    "Total Weight Lifted",
    "From Upload",
    "Grade Adjusted Distance",
    "Weather Observation Time",
    "Weather Condition",
    "Weather Temperature",
    "Apparent Temperature",
    "Dewpoint",
    "Humidity",
    "Weather Pressure",
    "Wind Speed",
    "Wind Gust",
    "Wind Bearing",
    "Precipitation Intensity",
    "Sunrise Time",
    "Sunset Time",
    "Moon Phase",
    "Bike",
    "Gear",
    "Precipitation Probability",
    "Precipitation Type",
    "Cloud Cover",
    "Weather Visibility",
    "UV Index",
    "Weather Ozone",
    "Jump Count",
    "Total Grit",
    "Average Flow",
    "Flagged",
    "Average Elapsed Speed",
    "Dirt Distance",
    "Newly Explored Distance",
    "Newly Explored Dirt Distance",
    "Activity Count",
    "Total Steps",
    "Carbon Saved",
    "Pool Length",
    "Training Load",
    "Intensity",
    "Average Grade Adjusted Pace",
    "Timer Time",
    "Total Cycles",
    "Media",
]
STRAVA_99 = STRAVA_94 + ["Recovery", "With Pet", "Competition", "Long Run", "For a Cause"]
STRAVA_101 = STRAVA_99 + ["Start Time (Local)", "Sport Type"]
assert (len(STRAVA_94), len(STRAVA_99), len(STRAVA_101)) == (94, 99, 101)

# The German export's names for the columns shoetrack reads (the rest stay English there too).
GERMAN = {
    "Activity ID": "Aktivitäts-ID",
    "Activity Date": "Aktivitätsdatum",
    "Activity Name": "Name der Aktivität",
    "Activity Type": "Aktivitätsart",
    "Elapsed Time": "Verstrichene Zeit",
    "Distance": "Distanz",
    "Moving Time": "Bewegungszeit",
    "Activity Gear": "Aktivitätsausrüstung",
    "Filename": "Dateiname",
    "Gear": "Ausrüstung",
}
GERMAN_TYPES = {"Run": "Lauf", "Walk": "Spaziergang", "Ride": "Radfahrt", "Hike": "Wanderung"}
FIT_SPORT = {"Run": 1, "Walk": 11, "Ride": 2, "Hike": 17, "Trail Run": 1}


@dataclass
class Act:
    """One activity of a generated export. `file`: "fit" / "fit.gz" / "gpx" / "gpx.gz" /
    "tcx.gz" or None (a manual entry). distance_m: what the file records; csv_m what the
    export's own table says (they differ slightly, as they do in real exports)."""

    start: datetime
    type: str = "Run"
    distance_m: float = 10000.0
    elapsed_s: int = 3000
    gear: str | None = None  # Strava "Activity Gear" / Garmin customMakeModel
    gear_id: str | None = None
    file: str | None = "fit.gz"
    name: str = "Morning Run"
    csv_m: float | None = None


def fit_bytes(a: Act, records: int = 20) -> bytes:
    sessions = [
        {"sport": FIT_SPORT.get(a.type, 0), "distance_m": a.distance_m, "elapsed_s": a.elapsed_s}
    ]
    return fitwriter.activity(a.start, sessions, records_per_session=records).to_bytes()


def gpx_text(a: Act, points: int = 30) -> str:
    pts = []
    for k in range(points):
        t = a.start + timedelta(seconds=a.elapsed_s * k / (points - 1))
        # due north: 1 degree of latitude is ~111.2 km
        lat = 46.0 + (a.distance_m / 111195.0) * k / (points - 1)
        pts.append(f'<trkpt lat="{lat:.7f}" lon="14.5"><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="StravaGPX" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>'
        + a.name
        + "</name><type>running</type>"
        "<trkseg>" + "".join(pts) + "</trkseg></trk></gpx>"
    )


def tcx_text(a: Act) -> str:
    """A TCX as Strava serves it: spaces before the XML declaration."""
    t0 = f"{a.start:%Y-%m-%dT%H:%M:%SZ}"
    return (
        '          <?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{t0}</Id><Lap StartTime="{t0}">'
        f"<TotalTimeSeconds>{a.elapsed_s}</TotalTimeSeconds><DistanceMeters>{a.distance_m}</DistanceMeters>"
        f"<Track><Trackpoint><Time>{t0}</Time><DistanceMeters>0</DistanceMeters></Trackpoint>"
        f"<Trackpoint><Time>{(a.start + timedelta(seconds=a.elapsed_s)):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<DistanceMeters>{a.distance_m}</DistanceMeters></Trackpoint></Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    )


def file_bytes(a: Act) -> bytes:
    kind = a.file or ""
    raw = (
        fit_bytes(a)
        if kind.startswith("fit")
        else (gpx_text(a) if kind.startswith("gpx") else tcx_text(a)).encode()
    )
    return gzip.compress(raw, mtime=0) if kind.endswith(".gz") else raw


def _strava_date(dt: datetime, german: bool) -> str:
    if german:
        return f"{dt:%d.%m.%Y}, {dt:%H:%M:%S}"
    hour = dt.hour % 12 or 12
    return f"{dt:%b} {dt.day}, {dt.year}, {hour}:{dt:%M:%S} {'AM' if dt.hour < 12 else 'PM'}"


def strava_csv(
    acts: list[Act],
    header: list[str] = STRAVA_101,
    german: bool = False,
    upload_ids: list[int] | None = None,
) -> tuple[str, dict[str, bytes]]:
    """activities.csv text and the activity files it names (member name -> bytes)."""
    names = [GERMAN.get(h, h) for h in header] if german else list(header)
    out, files = io.StringIO(), {}
    w = csv.writer(out, lineterminator="\n")
    w.writerow(names)
    for i, a in enumerate(acts):
        row = dict.fromkeys(range(len(header)), "")
        first = {}
        for pos, h in enumerate(header):
            first.setdefault(h, pos)
        later = {h: pos for pos, h in enumerate(header)}
        csv_m = a.csv_m if a.csv_m is not None else a.distance_m
        row[first["Activity ID"]] = str(7000000000 + i)
        row[first["Activity Date"]] = _strava_date(a.start, german)
        row[first["Activity Name"]] = a.name
        row[first["Activity Type"]] = GERMAN_TYPES.get(a.type, a.type) if german else a.type
        row[first["Elapsed Time"]] = str(a.elapsed_s)
        km = f"{csv_m / 1000:.2f}"
        row[first["Distance"]] = km.replace(".", ",") if german else km
        row[first["Activity Gear"]] = a.gear or ""
        row[later["Elapsed Time"]] = f"{a.elapsed_s:.1f}"
        row[first["Moving Time"]] = f"{a.elapsed_s - 60:.1f}"
        row[later["Distance"]] = f"{csv_m:.1f}"
        row[first["Gear"]] = f"{a.gear_id}.0" if a.gear_id else ""
        row[first["Max Heart Rate"]] = "171"
        row[later["Max Heart Rate"]] = "171.0"
        row[first["Commute"]] = "false"
        row[later["Commute"]] = "0.0"
        if a.file:
            upload = (
                (upload_ids or {}).get(i, 8000000000 + i)
                if isinstance(upload_ids, dict)
                else 8000000000 + i
            )
            member = f"activities/{upload}.{a.file}"
            row[first["Filename"]] = member
            files[member] = file_bytes(a)
        w.writerow([row[k] for k in range(len(header))])
    return out.getvalue(), files


def shoes_csv(rows: list[tuple[str, str, str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Shoe Name", "Shoe Brand", "Shoe Model", "Shoe Default Sport Types"])
    w.writerows(rows)
    return out.getvalue()


def strava_export(
    path: Path,
    acts: list[Act],
    shoes=(),
    *,
    header=STRAVA_101,
    german=False,
    folder: bool = False,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """export_NNN.zip (or, with folder=True, the unzipped folder) in Strava's layout."""
    text, files = strava_csv(acts, header, german)
    members = {
        "activities.csv": text.encode(),
        "shoes.csv": shoes_csv(list(shoes)).encode(),
        "bikes.csv": b"Bike Name,Bike Brand,Bike Model,Bike Default Sport Types\n",
        "profile.csv": b"Athlete ID,Email Address,First Name,Last Name\n1,a@b.c,A,B\n",
        **files,
    }
    members.update(extra or {})
    return write_tree(path, members, folder)


def write_tree(path: Path, members: dict[str, bytes], folder: bool) -> Path:
    if folder:
        for name, data in members.items():
            p = path / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


GARMIN_TYPES = {
    "Run": "running",
    "Walk": "walking",
    "Ride": "road_biking",
    "Hike": "hiking",
    "Trail Run": "trail_running",
}


def garmin_export(
    path: Path,
    acts: list[Act],
    gear: list[dict],
    *,
    user: str = "runner",
    folder: bool = False,
    old_layout: bool = False,
    per_zip: int = 1000,
    start_time_gmt: bool = False,
) -> Path:
    """A Garmin Connect export: summarizedActivities (centimeters, milliseconds), gear.json
    (gearDTOS and gearActivityDTOs keyed by `gear[i]["customMakeModel"]` = Act.gear) and the FIT
    files in nested UploadedFiles_*.zip, named by upload id."""
    fit = "DI_CONNECT/DI-Connect-Fitness"
    summaries, links, fits = [], {}, {}
    pk = {g["customMakeModel"]: g["gearPk"] for g in gear}
    for i, a in enumerate(acts):
        aid = 9000000000 + i
        item = {
            "activityId": aid,
            "name": a.name,
            "activityType": GARMIN_TYPES.get(a.type, "other"),
            "sportType": "RUNNING" if "Run" in a.type else "GENERIC",
            "distance": round((a.csv_m if a.csv_m is not None else a.distance_m) * 100, 1),
            "duration": a.elapsed_s * 1000.0 - 500,
            "elapsedDuration": a.elapsed_s * 1000.0,
            "movingDuration": (a.elapsed_s - 60) * 1000.0,
            "deviceId": 3415000000,
            "avgHr": 150,
            "calories": 700,
        }
        ms = int(a.start.timestamp() * 1000)
        item["startTimeGmt" if start_time_gmt else "beginTimestamp"] = ms
        summaries.append(item)
        if a.gear in pk:
            links.setdefault(str(pk[a.gear]), []).append({"activityId": aid, "gearPk": pk[a.gear]})
        if a.file:
            # the FIT's clock starts a little before the summary's (as Garmin's do, by seconds)
            fits[f"{user}@example.org_{12000000000 + i}.fit"] = fit_bytes(
                Act(**{**a.__dict__, "start": a.start - timedelta(seconds=2)})
            )
    members = {
        f"{fit}/{user}_0_summarizedActivities.json": json.dumps(
            [{"summarizedActivitiesExport": summaries}]
        ).encode(),
        f"{fit}/{user}_gear.json": json.dumps(
            [{"gearDTOS": gear, "gearActivityDTOs": links}]
        ).encode(),
        f"{fit}/{user}_personalRecord.json": b"[]",
        "DI_CONNECT/DI-Connect-User/user_profile.json": b"{}",
    }
    where = fit if old_layout else "DI_CONNECT/DI-Connect-Uploaded-Files"
    names = list(fits)
    for part in range(0, max(len(names), 1), per_zip):
        chunk = {n: fits[n] for n in names[part : part + per_zip]}
        if chunk:
            members[f"{where}/UploadedFiles_0-_Part{part // per_zip + 1}.zip"] = zip_bytes(chunk)
    return write_tree(path, members, folder)


def garmin_gear(
    pk: int,
    name: str,
    *,
    status: str = "active",
    begin: str = "2021-01-01T00:00:00.0",
    end: str | None = None,
    maximum_m: float = 0.0,
    kind: str = "Shoes",
) -> dict:
    return {
        "gearPk": pk,
        "uuid": f"u{pk}",
        "userProfilePk": 1,
        "gearMakeName": "Brooks",
        "gearModelName": "Ghost 15",
        "gearTypeName": kind,
        "gearStatusName": status,
        "displayName": name,
        "customMakeModel": name,
        "imageNameLarge": None,
        "imageNameMedium": None,
        "imageNameSmall": None,
        "dateBegin": begin,
        "dateEnd": end,
        "maximumMeters": maximum_m,
        "notified": False,
        "createDate": begin,
        "updateDate": begin,
    }


HEALTH_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
]>
<HealthData locale="en_US">
 <ExportDate value="2023-01-01 10:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-01-01"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" value="120" startDate="2022-05-29 08:00:00 +0200" endDate="2022-05-29 08:01:00 +0200"/>
"""


def _local(dt: datetime) -> str:
    return (dt + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S +0200")


def health_workout(
    a: Act, *, ios16: bool, unit: str = "km", route: str | None = None, source: str = "Apple Watch"
) -> str:
    kind = {"Run": "Running", "Walk": "Walking", "Ride": "Cycling", "Hike": "Hiking"}[a.type]
    d = a.distance_m / (1609.344 if unit == "mi" else 1000.0)
    end = a.start + timedelta(seconds=a.elapsed_s)
    attrs = (
        f'workoutActivityType="HKWorkoutActivityType{kind}" duration="{a.elapsed_s / 60:.4f}" '
        f'durationUnit="min" sourceName="{source}" sourceVersion="9.0" '
        f'creationDate="{_local(end)}" startDate="{_local(a.start)}" endDate="{_local(end)}"'
    )
    inner = '<MetadataEntry key="HKIndoorWorkout" value="0"/>'
    if ios16:
        inner += (
            f'<WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" '
            f'startDate="{_local(a.start)}" endDate="{_local(end)}" sum="650" unit="Cal"/>'
            f'<WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" '
            f'startDate="{_local(a.start)}" endDate="{_local(end)}" sum="{d:.5f}" unit="{unit}"/>'
        )
    else:
        attrs += (
            f' totalDistance="{d:.5f}" totalDistanceUnit="{unit}" '
            f'totalEnergyBurned="650" totalEnergyBurnedUnit="Cal"'
        )
    if route:
        inner += (
            f'<WorkoutRoute sourceName="{source}" startDate="{_local(a.start)}" '
            f'endDate="{_local(end)}"><FileReference path="/workout-routes/{route}"/></WorkoutRoute>'
        )
    return f" <Workout {attrs}>{inner}</Workout>\n"


def health_export(
    path: Path,
    acts: list[Act],
    *,
    ios16: bool,
    unit: str = "km",
    folder: bool = False,
    routes: bool = True,
) -> Path:
    """export.zip (apple_health_export/export.xml and workout-routes/*.gpx), or the folder."""
    body, members = [HEALTH_HEAD], {}
    for i, a in enumerate(acts):
        route = f"route_{a.start:%Y-%m-%d_%H.%M}_{i}.gpx" if routes else None
        body.append(health_workout(a, ios16=ios16, unit=unit, route=route))
        if route:
            members[f"apple_health_export/workout-routes/{route}"] = gpx_text(a).encode()
    body.append("</HealthData>\n")
    members["apple_health_export/export.xml"] = "".join(body).encode()
    if folder:
        return write_tree(
            path, {k.removeprefix("apple_health_export/"): v for k, v in members.items()}, True
        )
    return write_tree(path, members, False)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
