"""Strava bulk export (`export_NNN.zip` or its folder): activities.csv, shoes.csv, activities/.

activities.csv repeats header names ("Elapsed Time", "Distance", "Max Heart Rate", "Relative
Effort", "Commute" appear twice: the first "Distance" is in the account's display unit and
rounded, the later one meters), so the header is read by position; its column set has grown over
the years and is localized, so columns are found by name through HEADERS, never by index.
"""

from __future__ import annotations

import csv
import io

from importers.model import Activity
from shoetrack.errors import ShoetrackError
from shoetrack.exports.archive import Archive
from shoetrack.exports.common import is_activity_name, number, utc_datetime
from shoetrack.exports.model import Gear, Plan, Record
from shoetrack.sports import wears_shoes

# Column names per field, English first, then the localized exports seen (German, French,
# Spanish). A field named twice takes the later column where that one is the precise one.
HEADERS = {
    "id": ("Activity ID", "Aktivitäts-ID", "ID de l'activité", "ID de actividad"),
    "date": ("Activity Date", "Aktivitätsdatum", "Date de l'activité", "Fecha de la actividad"),
    "name": ("Activity Name", "Name der Aktivität", "Nom de l'activité", "Nombre de la actividad"),
    "type": ("Activity Type", "Aktivitätsart", "Type d'activité", "Tipo de actividad"),
    "elapsed": ("Elapsed Time", "Verstrichene Zeit", "Temps écoulé", "Tiempo transcurrido"),
    "distance": ("Distance", "Distanz", "Distancia"),
    "moving": ("Moving Time", "Bewegungszeit", "Temps de déplacement", "Tiempo en movimiento"),
    "gear_name": (
        "Activity Gear",
        "Aktivitätsausrüstung",
        "Équipement de l'activité",
        "Equipo de la actividad",
    ),
    "filename": ("Filename", "Dateiname", "Nom du fichier", "Nombre de archivo"),
    "gear_id": ("Gear", "Ausrüstung", "Équipement", "Equipo"),
}
SHOE_HEADERS = {
    "name": ("Shoe Name", "Schuhname", "Nom de la chaussure", "Nombre de la zapatilla"),
    "brand": ("Shoe Brand", "Schuhmarke", "Marque de la chaussure", "Marca de la zapatilla"),
    "model": ("Shoe Model", "Schuhmodell", "Modèle de la chaussure", "Modelo de la zapatilla"),
    "sports": (
        "Shoe Default Sport Types",
        "Standardsportarten für Schuhe",
        "Types de sport par défaut de la chaussure",
        "Tipos de deporte predeterminados",
    ),
}
_LOCAL = {name for names in HEADERS.values() for name in names[1:]}

# Strava activity types (as the CSV writes them, English and German) -> canonical sports.
TYPES = {
    "run": "run",
    "lauf": "run",
    "laufen": "run",
    "course à pied": "run",
    "carrera": "run",
    "trail run": "trail_run",
    "trailrun": "trail_run",
    "traillauf": "trail_run",
    "virtual run": "treadmill_run",
    "virtualrun": "treadmill_run",
    "virtueller lauf": "treadmill_run",
    "walk": "walk",
    "spaziergang": "walk",
    "gehen": "walk",
    "marche": "walk",
    "caminata": "walk",
    "hike": "hike",
    "wanderung": "hike",
    "wandern": "hike",
    "randonnée": "hike",
    "excursionismo": "hike",
    "ride": "cycling",
    "radfahrt": "cycling",
    "virtual ride": "cycling",
    "e-bike ride": "cycling",
    "mountain bike ride": "cycling",
    "gravel ride": "cycling",
    "sortie à vélo": "cycling",
    "swim": "swimming",
    "schwimmen": "swimming",
    "natation": "swimming",
    "rowing": "rowing",
    "rudern": "rowing",
    "weight training": "strength",
    "krafttraining": "strength",
}


def sport_of(text: str | None) -> str:
    return TYPES.get((text or "").strip().lower(), "other")


def columns(header: list[str], table: dict) -> dict[str, list[int]]:
    """Positions of each field's column(s), in header order (repeated names kept apart)."""
    names = {n.strip().lstrip("\ufeff").lower(): field for field, ns in table.items() for n in ns}
    out: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        field = names.get(h.strip().lstrip("\ufeff").lower())
        if field:
            out.setdefault(field, []).append(i)
    return out


def _cell(row: list[str], cols: dict, field: str, which: int = 0) -> str:
    pos = cols.get(field, [])
    if not pos:
        return ""
    i = pos[which] if -len(pos) <= which < len(pos) else pos[-1]
    return row[i].strip() if i < len(row) else ""


def _gear_id(text: str) -> str | None:
    v = number(text)
    return str(int(v)) if v else None


def read_shoes(text: str) -> tuple[list[Gear], list[tuple[str | None, str | None, list[str]]]]:
    """shoes.csv: named pairs as Gear, and the pairs without a name as (brand, model, sports)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], []
    cols = columns(rows[0], SHOE_HEADERS)
    named, blank = [], []
    for row in rows[1:]:
        name, brand, model = (_cell(row, cols, f) for f in ("name", "brand", "model"))
        sports = sorted(
            {sport_of(s) for s in _cell(row, cols, "sports").split(",") if s.strip()} - {"other"}
        )
        sports = [s for s in sports if wears_shoes(s)]
        if name:
            named.append(Gear(f"name:{name.lower()}", name, brand or None, model or None, sports))
        elif brand or model:
            blank.append((brand or None, model or None, sports))
    return named, blank


def read_activities(
    text: str, prefix: str = ""
) -> tuple[list[Record], dict[str, str], list[tuple[str, str]]]:
    """activities.csv: one Record per row (export figures; `file` the member it names), and a
    table of each gear id seen beside a name -> that name's Gear key, and each name's Gear key
    -> the name as written; and (line, reason) for each row that cannot be read."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ShoetrackError("activities.csv is empty")
    cols = columns(header, HEADERS)
    missing = [f for f in ("id", "date", "type") if f not in cols]
    if missing:
        raise ShoetrackError(
            f"activities.csv: no column for {', '.join(missing)} (unknown header language?)"
        )
    day_first = any(h.strip() in _LOCAL for h in header)
    records: list[Record] = []
    id_names: dict[str, str] = {}
    bad: list[tuple[str, str]] = []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            records.append(_record(row, cols, day_first, prefix, id_names))
        except (ShoetrackError, ValueError) as e:
            bad.append((f"line {line}", str(e)))  # this row fails alone
    return records, id_names, bad


def _record(row, cols, day_first, prefix, id_names) -> Record:
    sport = sport_of(_cell(row, cols, "type"))
    meters = number(_cell(row, cols, "distance", 1)) if len(cols.get("distance", [])) > 1 else None
    elapsed = number(_cell(row, cols, "elapsed", -1))
    act = Activity(
        start=utc_datetime(_cell(row, cols, "date"), day_first=day_first),
        sport=sport,
        distance_m=meters or 0.0,
        source="strava",
        elapsed_s=elapsed,
        moving_s=number(_cell(row, cols, "moving")),
        name=_cell(row, cols, "name") or None,
    )
    gear_name, gear_id = _cell(row, cols, "gear_name"), _gear_id(_cell(row, cols, "gear_id"))
    gear = None
    if wears_shoes(sport) and gear_name:
        gear = f"name:{gear_name.lower()}"
        id_names.setdefault(gear, gear_name)  # the name as written, for a pair shoes.csv lacks
        if gear_id:
            id_names[gear_id] = gear
    elif wears_shoes(sport) and gear_id:
        gear = f"id:{gear_id}"
    filename = _cell(row, cols, "filename")
    return Record(_cell(row, cols, "id"), act, gear, prefix + filename if filename else None)


def plan(arc: Archive, prefix: str = "") -> Plan:
    """Read a Strava export whose activities.csv is at `prefix`."""
    out = Plan("strava", listing=prefix + "activities.csv")
    records, id_names, bad = read_activities(
        arc.read(out.listing).decode("utf-8-sig", "replace"), prefix
    )
    out.problems = [(f"{out.listing}#{line}", reason) for line, reason in bad]
    names = set(arc.names())
    named, blank = (
        read_shoes(arc.read(prefix + "shoes.csv").decode("utf-8-sig", "replace"))
        if prefix + "shoes.csv" in names
        else ([], [])
    )
    for g in named:
        out.gear[g.key] = g
    for r in records:
        if r.gear and r.gear.startswith("id:") and r.gear[3:] in id_names:
            r.gear = id_names[r.gear[3:]]  # the same pair, named on another row
        if r.gear and r.gear not in out.gear:
            out.gear[r.gear] = _unlisted(r.gear, id_names.get(r.gear), blank, out)
        if r.file and r.file not in names:
            out.notes.append(
                f"{r.file}: named in activities.csv but not in the export; imported from its figures"
            )
            r.file = None
    taken = {g.name.lower() for g in out.gear.values()}
    for brand, model, sports in blank:  # pairs without a nickname that no activity names
        name = _free(" ".join(x for x in (brand, model) if x) or "Strava shoe", taken)
        out.gear[f"blank:{name.lower()}"] = Gear(
            f"blank:{name.lower()}", name, brand, model, sports
        )
    listed = {r.file for r in records if r.file}
    out.files = [
        n
        for n in names
        if n.startswith(prefix + "activities/") and is_activity_name(n) and n not in listed
    ]
    out.records = records
    return out


def _unlisted(key: str, shown: str | None, blank: list, out: Plan) -> Gear:
    """A pair an activity names that shoes.csv does not: by name, or only by its gear id. A pair
    known only by id is the one nameless pair of shoes.csv when there is exactly one."""
    if key.startswith("name:"):
        return Gear(key, shown or key[5:])
    taken = {g.name.lower() for g in out.gear.values()}
    ids_without_name = sum(1 for g in out.gear if g.startswith("id:"))
    if len(blank) == 1 and ids_without_name == 0:
        brand, model, sports = blank.pop()
        name = _free(" ".join(x for x in (brand, model) if x) or "Strava shoe", taken)
        return Gear(key, name, brand, model, sports)
    return Gear(key, _free(f"Strava gear {key[3:]}", taken))


def _free(name: str, taken: set[str]) -> str:
    base, n = name, 2
    while name.lower() in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name.lower())
    return name
