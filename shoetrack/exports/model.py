"""What a parser makes of an export: the pairs it names, the activities it lists, and the
activity files it holds. Meters, seconds, aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from importers.model import Activity


@dataclass
class Gear:
    """A pair the export names. `key` is the export's own handle for it (Strava: the name or
    the numeric gear id; Garmin: gearPk)."""

    key: str
    name: str
    brand: str | None = None
    model: str | None = None
    default_sports: list[str] = field(default_factory=list)
    purchased_on: date | None = None
    retired_on: date | None = None  # first day no longer in use
    replace_at_m: float | None = None


@dataclass
class Record:
    """One activity the export lists, with the export's own figures. `file`: the member holding
    its activity file (joined by name), when the export says so; `gear`: a Gear key."""

    key: str  # stable per export: the export's activity id
    activity: Activity
    gear: str | None = None
    file: str | None = None


@dataclass
class Plan:
    """An export read: `files` are activity-file members joined to records by start time
    (`join_by_start`) or not at all; `nested` are zips whose activity files are read the same way."""

    source: str  # "strava" / "garmin" / "apple"
    gear: dict[str, Gear] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    join_by_start: bool = False
    listing: str = ""  # the member the records come from, for the import log
    notes: list[str] = field(default_factory=list)  # one line each, shown in the summary
    problems: list[tuple[str, str]] = field(
        default_factory=list
    )  # (member#item, reason): failed alone
