"""Import activity files into the store: hash, dedupe, parse, one transaction per file, and an
import-log row per file (the `files` table). Pure core: progress comes through a callback.
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from shoetrack import activities, attribution
from shoetrack.errors import ShoetrackError
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.sports import family, wears_shoes
from shoetrack.store import Store
from shoetrack.units import iso

log = logging.getLogger(__name__)

SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
MAX_FILE_BYTES = 256 * 1024 * 1024  # no activity file is this large; refuse before reading
DUP_WINDOW_S = 60
DUP_DISTANCE = 0.02
SAME_FILE = "already imported (same file)"  # the reason for a file seen again, byte for byte


@dataclass
class FileResult:
    """Outcome for one file. distance_m per pair name for what it added."""

    path: str
    status: str  # imported / duplicate / not-activity / failed
    reason: str | None = None
    activities: list[int] = field(default_factory=list)
    format: str | None = None
    by_shoe: dict[str, float] = field(default_factory=dict)
    unassigned: list[str] = field(default_factory=list)  # one line per activity left on no pair

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "reason": self.reason,
                "activities": self.activities, "format": self.format,
                "distance_m_by_shoe": {k: round(v, 3) for k, v in self.by_shoe.items()},
                "unassigned": self.unassigned}


@dataclass
class Report:
    files: list[FileResult] = field(default_factory=list)
    dry_run: bool = False

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def by_shoe(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for f in self.files:
            for k, v in f.by_shoe.items():
                out[k] = out.get(k, 0.0) + v
        return out

    def to_json(self) -> dict:
        return {"dry_run": self.dry_run, "files": [f.to_json() for f in self.files],
                "imported": self.count("imported"), "duplicate": self.count("duplicate"),
                "not_activity": self.count("not-activity"), "failed": self.count("failed"),
                "distance_m_by_shoe": {k: round(v, 3) for k, v in self.by_shoe().items()}}


def is_activity_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(SUFFIXES) and not name.startswith(".")


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Files to import: each file given, and activity files under each folder (recursively,
    sorted, hidden entries skipped). A missing path raises ShoetrackError."""
    out: list[Path] = []
    for p in paths:
        p = Path(p).expanduser()
        if p.is_dir():
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / f for f in files if is_activity_file(Path(f)))
            out.extend(sorted(found))
        elif p.is_file():
            out.append(p)
        else:
            raise ShoetrackError(f"no such file or folder: {p}")
    seen, unique = set(), []
    for p in out:
        key = str(p.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def find_duplicate(store: Store, act) -> dict | None:
    """An existing activity that is this one exported another way: start within 60 s, same
    sport family, distance within 2 %."""
    lo = iso(act.start - timedelta(seconds=DUP_WINDOW_S))
    hi = iso(act.start + timedelta(seconds=DUP_WINDOW_S))
    for row in store.q(
        "SELECT a.id, a.sport, a.distance_m, f.path FROM activities a"
        " LEFT JOIN files f ON f.id = a.file_id WHERE a.start BETWEEN ? AND ?", (lo, hi)
    ):
        if family(row["sport"]) != family(act.sport):
            continue
        biggest = max(row["distance_m"], act.distance_m)
        if biggest == 0 or abs(row["distance_m"] - act.distance_m) <= DUP_DISTANCE * biggest:
            return row
    return None


def _log_row(store: Store, path: str, size, mtime, sha, fmt, status, reason, duplicate_of=None,
             existing_id: int | None = None) -> int:
    values = (path, size, mtime, sha, fmt, status, reason, duplicate_of,
              iso(datetime.now(timezone.utc)))
    if existing_id is not None:
        store.conn.execute(
            "UPDATE files SET path=?, size=?, mtime=?, sha256=?, format=?, status=?, reason=?,"
            " duplicate_of=?, imported_at=? WHERE id=?", (*values, existing_id))
        return existing_id
    cur = store.conn.execute(
        "INSERT INTO files (path, size, mtime, sha256, format, status, reason, duplicate_of,"
        " imported_at) VALUES (?,?,?,?,?,?,?,?,?)", values)
    return cur.lastrowid


def import_file(store: Store, path: Path, *, shoe: Shoe | None = None, when: date | None = None,
                shoes: list[Shoe] | None = None) -> FileResult:
    """Import one file in one transaction (the caller may hold an outer one for a dry run)."""
    import importers

    spath = str(path)
    try:
        st = path.stat()
        if st.st_size > MAX_FILE_BYTES:
            raise importers.ParseError(f"file too large ({st.st_size // 2**20} MiB)")
        data = path.read_bytes()
    except OSError as e:
        return _record_failure(store, spath, None, None, None, None,
                               f"cannot read: {e.strerror or e}")
    sha = hashlib.sha256(data).hexdigest()
    size, mtime = st.st_size, st.st_mtime
    prev = store.one("SELECT id, status FROM files WHERE path = ? AND sha256 = ?", (spath, sha))
    if prev and prev["status"] in ("imported", "duplicate", "not-activity"):
        ids = [r["id"] for r in store.q("SELECT id FROM activities WHERE file_id = ?", (prev["id"],))]
        return FileResult(spath, "duplicate", SAME_FILE, ids)
    prev_id = prev["id"] if prev else None
    fmt = None
    try:
        fmt = importers.detect(data)
        acts = importers.read_bytes(data, name=path.name, date=when)
    except importers.NotAnActivity as e:
        with store.write():
            _log_row(store, spath, size, mtime, sha, fmt, "not-activity", str(e), existing_id=prev_id)
        return FileResult(spath, "not-activity", str(e), format=fmt)
    except importers.ParseError as e:
        return _record_failure(store, spath, size, mtime, sha, fmt, str(e), prev_id)
    except Exception as e:  # a reader bug must not stop the other files; keep the traceback in the log
        log.exception("unexpected error reading %s", spath)
        return _record_failure(store, spath, size, mtime, sha, fmt,
                               f"unexpected error (please report): {type(e).__name__}: {e}", prev_id)

    result = FileResult(spath, "imported", format=fmt)
    try:
        with store.write():
            same = store.one("SELECT id, path FROM files WHERE sha256 = ? AND status = 'imported'", (sha,))
            if same:
                _log_row(store, spath, size, mtime, sha, fmt, "duplicate",
                         f"same file as {same['path']}", same["id"], existing_id=prev_id)
                ids = [r["id"] for r in store.q("SELECT id FROM activities WHERE file_id = ?", (same["id"],))]
                return FileResult(spath, "duplicate", f"same file as {same['path']}", ids, fmt)
            fresh, dups = [], []
            for act in acts:
                if not act.name:
                    act.name = path.name
                dup = find_duplicate(store, act)
                (dups if dup else fresh).append((act, dup))
            if not fresh:
                first = dups[0][1]
                where = f" from {first['path']}" if first["path"] else ""
                reason = f"same activity as #{first['id']}{where}"
                _log_row(store, spath, size, mtime, sha, fmt, "duplicate", reason, existing_id=prev_id)
                return FileResult(spath, "duplicate", reason, [d["id"] for _, d in dups], fmt)
            notes = list(dict.fromkeys(w for act, _ in fresh for w in getattr(act, "warnings", [])))
            if dups:
                notes.append(f"{len(dups)} of {len(acts)} sessions already present")
            result.reason = "; ".join(notes) or None  # imported, but the user should know
            file_id = _log_row(store, spath, size, mtime, sha, fmt, "imported", result.reason,
                               existing_id=prev_id)
            shoes = shoes if shoes is not None else all_shoes(store)
            rules = store.q("SELECT * FROM rules ORDER BY position")
            for act, _ in fresh:
                activity_id = activities.insert(store, act, file_id=file_id)
                row = activities.get(store, activity_id)
                choice = _choose(store, row, shoe, spath, shoes, rules)
                activities.set_assignment(store, activity_id, choice)
                result.activities.append(activity_id)
                if choice.shoe:
                    result.by_shoe[choice.shoe.name] = result.by_shoe.get(choice.shoe.name, 0.0) + act.distance_m
                elif wears_shoes(act.sport):
                    result.unassigned.append(f"#{activity_id} {act.sport}: {choice.reason}")
    except ShoetrackError as e:  # a value we refuse: the file's transaction is rolled back
        return _record_failure(store, spath, size, mtime, sha, fmt, str(e), prev_id)
    except sqlite3.IntegrityError as e:  # a value the schema's CHECKs refuse
        return _record_failure(store, spath, size, mtime, sha, fmt, f"refused by the database: {e}", prev_id)
    except Exception as e:  # a bug must not stop the other files; the traceback goes to the log
        log.exception("unexpected error importing %s", spath)
        return _record_failure(store, spath, size, mtime, sha, fmt,
                               f"unexpected error (please report): {type(e).__name__}: {e}", prev_id)
    return result


def _choose(store, row, shoe, path, shoes, rules) -> attribution.Choice:
    if shoe is not None and wears_shoes(row["sport"]):
        try:
            return attribution.explicit(shoe, row)
        except ShoetrackError as e:
            return attribution.Choice(None, None, str(e))
    return attribution.choose(store, row, path=path, shoes=shoes, rules=rules)


def _record_failure(store, spath, size, mtime, sha, fmt, reason, prev_id=None) -> FileResult:
    reason = " ".join(str(reason).split())  # one line, always
    with store.write():
        _log_row(store, spath, size, mtime, sha, fmt, "failed", reason, existing_id=prev_id)
    return FileResult(spath, "failed", reason, format=fmt)


def import_paths(store: Store, paths: Iterable[str | Path], *, shoe: Shoe | None = None,
                 when: date | None = None, dry_run: bool = False,
                 progress: Callable[[Path], None] | None = None,
                 files: list[Path] | None = None) -> Report:
    """Import files and folders. dry_run does all the work inside one transaction and rolls it
    back, so its report is exactly what a real run would do."""
    files = files if files is not None else collect(paths)
    report = Report(dry_run=dry_run)

    def run():
        shoes = all_shoes(store)
        for f in files:
            report.files.append(import_file(store, f, shoe=shoe, when=when, shoes=shoes))
            if progress:
                progress(f)

    if dry_run:
        store.conn.execute("BEGIN IMMEDIATE")
        try:
            run()
        finally:
            store.conn.execute("ROLLBACK")
    else:
        run()
    return report


# ---------------------------------------------------------------------------------------------
# Export members (shoetrack.exports): an activity file read out of an archive under its virtual
# path (`export_1.zip!activities/2.fit.gz`), an activity an export lists without a file, and the
# export's gear. `gear` is a callable given each activity (or, for a file seen before, the stored
# row's start and sport): it returns the export's pair for it, or None.

DONE_STATUSES = ("imported", "duplicate", "not-activity")


def import_member(store: Store, vpath: str, data: bytes, *, gear=None,
                  shoes: list[Shoe] | None = None) -> FileResult:
    """Import one activity file's bytes from an export, in one transaction. Seen before (same
    virtual path, same bytes): nothing is written, but the export's gear is applied again."""
    import importers

    sha = hashlib.sha256(data).hexdigest()
    prev = store.one("SELECT id, status, format FROM files WHERE path = ? AND sha256 = ?", (vpath, sha))
    name = vpath.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    if prev and prev["status"] == "imported":
        rows = store.q("SELECT * FROM activities WHERE file_id = ? ORDER BY id", (prev["id"],))
        result = FileResult(vpath, "duplicate", SAME_FILE, [r["id"] for r in rows], prev["format"])
        with store.write():
            _archive_gear(store, result, [(_Seen(r), r) for r in rows], gear)
        return result
    prev_id = prev["id"] if prev and prev["status"] not in DONE_STATUSES else None
    fmt = None
    try:
        fmt = importers.detect(data)
        acts = importers.read_bytes(data, name=name)
    except importers.NotAnActivity as e:
        if not prev:
            with store.write():
                _log_row(store, vpath, len(data), None, sha, fmt, "not-activity", str(e))
        return FileResult(vpath, "not-activity", str(e), format=fmt)
    except importers.ParseError as e:
        return _record_failure(store, vpath, len(data), None, sha, fmt, str(e), prev_id)
    except Exception as e:  # a reader bug must not stop the other members; the log keeps the traceback
        log.exception("unexpected error reading %s", vpath)
        return _record_failure(store, vpath, len(data), None, sha, fmt,
                               f"unexpected error (please report): {type(e).__name__}: {e}", prev_id)
    for act in acts:
        act.name = act.name or name
    seen = prev if prev and prev["status"] == "duplicate" else None
    return _store_member(store, vpath, len(data), sha, fmt, acts, gear, shoes, prev_id, seen)


class _Seen:
    """The start and sport of a stored activity row, as the gear callable expects them."""

    def __init__(self, row: dict):
        self.start = datetime.fromisoformat(row["start"].replace("Z", "+00:00"))
        self.sport = row["sport"]
        self.name = row["name"]
        self.distance_m = row["distance_m"]


def import_listed(store: Store, vpath: str, act, *, key: str, fmt: str, gear=None,
                  shoes: list[Shoe] | None = None) -> FileResult:
    """Import an activity an export lists without a file (a manual Strava entry, a Garmin
    summary whose FIT is missing), logged under `vpath` with the sha256 of `key` (a stable text
    for the listing: its figures), so that importing the export again changes nothing."""
    sha = hashlib.sha256(key.encode()).hexdigest()
    prev = store.one("SELECT id, status FROM files WHERE path = ? AND sha256 = ?", (vpath, sha))
    if prev and prev["status"] == "imported":
        rows = store.q("SELECT * FROM activities WHERE file_id = ? ORDER BY id", (prev["id"],))
        result = FileResult(vpath, "duplicate", SAME_FILE, [r["id"] for r in rows], fmt)
        with store.write():
            _archive_gear(store, result, [(_Seen(r), r) for r in rows], gear)
        return result
    prev_id = prev["id"] if prev and prev["status"] not in DONE_STATUSES else None
    seen = prev if prev and prev["status"] == "duplicate" else None
    return _store_member(store, vpath, None, sha, fmt, [act], gear, shoes, prev_id, seen)


def _store_member(store, vpath, size, sha, fmt, acts, gear, shoes, prev_id, seen) -> FileResult:
    """Insert an export member's activities (one transaction); duplicates of activities already
    stored get the export's gear. `seen`: this member's earlier 'duplicate' log row, kept as is."""
    try:
        with store.write():
            # The export's word first: it may name the activity and correct its sport.
            worn = {id(act): gear(act) if gear else None for act in acts}
            pairs = [(act, find_duplicate(store, act)) for act in acts]
            dups = [(act, dup) for act, dup in pairs if dup]
            fresh = [act for act, dup in pairs if not dup]
            if not fresh:
                first = dups[0][1]
                where = f" from {first['path']}" if first["path"] else ""
                reason = f"same activity as #{first['id']}{where}"
                if seen is None:
                    _log_row(store, vpath, size, None, sha, fmt, "duplicate", reason, existing_id=prev_id)
                result = FileResult(vpath, "duplicate", reason, [d["id"] for _, d in dups], fmt)
                _archive_gear(store, result, dups, worn)
                return result
            notes = list(dict.fromkeys(w for act in fresh for w in getattr(act, "warnings", [])))
            if dups:
                notes.append(f"{len(dups)} of {len(acts)} sessions already present")
            result = FileResult(vpath, "imported", "; ".join(notes) or None, format=fmt)
            file_id = _log_row(store, vpath, size, None, sha, fmt, "imported", result.reason,
                               existing_id=prev_id)
            shoes = shoes if shoes is not None else all_shoes(store)
            rules = store.q("SELECT * FROM rules ORDER BY position")
            for act in fresh:
                shoe = worn[id(act)]
                activity_id = activities.insert(store, act, file_id=file_id)
                row = activities.get(store, activity_id)
                result.activities.append(activity_id)
                if shoe is None:
                    _attribute(store, result, row, vpath, shoes, rules)
                elif assign_archive(store, row, shoe):
                    result.by_shoe[shoe.name] = result.by_shoe.get(shoe.name, 0.0) + row["distance_m"]
            _archive_gear(store, result, dups, worn)
            return result
    except (ShoetrackError, sqlite3.IntegrityError) as e:  # a value refused: the member is rolled back
        return _record_failure(store, vpath, size, None, sha, fmt, str(e), prev_id)


def _attribute(store, result: FileResult, row: dict, path, shoes, rules) -> None:
    choice = attribution.choose(store, row, path=path, shoes=shoes, rules=rules)
    activities.set_assignment(store, row["id"], choice)
    if choice.shoe:
        result.by_shoe[choice.shoe.name] = result.by_shoe.get(choice.shoe.name, 0.0) + row["distance_m"]
    elif wears_shoes(row["sport"]):
        result.unassigned.append(f"#{row['id']} {row['sport']}: {choice.reason}")


def _archive_gear(store, result: FileResult, pairs, gear) -> None:
    """Put each (activity, stored row) on the export's pair for it (`gear`: the callable, or a
    dict of its answers by id(activity)); the distance a pair gains is added to the result."""
    for act, row in pairs:
        shoe = gear.get(id(act)) if isinstance(gear, dict) else gear(act) if gear else None
        if shoe is not None and assign_archive(store, row, shoe):
            result.by_shoe[shoe.name] = result.by_shoe.get(shoe.name, 0.0) + row["distance_m"]


def assign_archive(store: Store, row: dict, shoe: Shoe) -> bool:
    """Record that an export says activity `row` was done in `shoe` (by='archive': rules,
    defaults and `reassign` never override it). The runner's own choice (manual, inbox) stays.
    The export is the record of what was worn, so the pair's in-use dates do not limit it.
    Returns True when the assignment changed."""
    if not wears_shoes(row["sport"]) or row.get("ignored"):
        return False
    now = store.one("SELECT shoe_id, by FROM assignments WHERE activity_id = ?", (row["id"],))
    if now and (now["by"] in ("manual", "inbox") or (now["shoe_id"], now["by"]) == (shoe.id, "archive")):
        return False
    activities.set_assignment(store, row["id"], attribution.Choice(shoe, "archive", "gear in the export"))
    return True


def record_member_failure(store: Store, vpath: str, reason: str) -> FileResult:
    """Log an export member that could not be read at all (damaged, refused, unsafe name)."""
    prev = store.one("SELECT id FROM files WHERE path = ? AND status = 'failed' ORDER BY id DESC", (vpath,))
    return _record_failure(store, vpath, None, None, None, None, reason, prev["id"] if prev else None)
