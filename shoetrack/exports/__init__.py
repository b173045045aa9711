"""Strava, Garmin Connect and Apple Health exports: detect one, read it safely, import each
activity with the pair the export names (see docs/exports.md).

`archive` reads zips and folders under caps; `strava`, `garmin`, `apple` turn an export's tables
into a Plan (pairs, listed activities, activity files); `run` imports a plan through
shoetrack.ingest.pipeline.
"""

from __future__ import annotations

import re
from pathlib import Path

_MARKERS = (  # (kind, pattern of the member that identifies it; group 1 is the export's root)
    ("strava", re.compile(r"^((?:[^/]+/)?)activities\.csv$")),
    (
        "garmin",
        re.compile(
            r"^((?:[^/]+/)??)(?:DI_CONNECT/)?DI-Connect-Fitness/[^/]*summarizedActivities[^/]*\.json$"
        ),
    ),
    ("apple", re.compile(r"^((?:[^/]+/)?)export\.xml$")),
)


def kind_of(names) -> tuple[str, str] | None:
    """(kind, root prefix) of an export from its member names, or None."""
    found = []
    for name in names:
        for kind, pattern in _MARKERS:
            m = pattern.match(name)
            if m:
                found.append((len(m.group(1)), kind, m.group(1)))
    return min(found)[1:] if found else None


def is_export(path: str | Path) -> bool:
    """Whether `shoetrack import PATH` should read PATH as an export: any zip file, or a folder
    holding an export's marker (activities.csv, DI-Connect-Fitness, export.xml) at its top."""
    p = Path(path)
    if p.is_file():
        try:
            with open(p, "rb") as f:
                return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
        except OSError:
            return False
    if p.is_dir():
        top = {q.name for q in p.iterdir()}
        return bool({"activities.csv", "export.xml", "DI_CONNECT", "DI-Connect-Fitness"} & top)
    return False
