"""Watched folders: remember folders, and scan them for new activity files (the daemon's backbone).

A scan is a cheap rescan: it lists each enabled watch, compares every activity file's
(path, size, mtime) with the import log (the `files` table) and reads only files it has not seen
in that exact state. A file is read only once it has *settled* (see `settled()`), so a file still
being copied from a watch over USB is never imported half-written. Sizes are bytes, mtimes and
durations seconds, times timezone-aware UTC.

Why a periodic scan and not filesystem events: inotify misses writes beneath an overlay, on
FUSE/MTP mounts, and files in just-created subfolders; a scan sees them all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from importers import MAX_BYTES
from shoetrack.config import default
from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.ingest import pipeline, reading
from shoetrack.ingest.paths import escaped
from shoetrack.store import Store
from shoetrack.units import iso

log = logging.getLogger(__name__)

# Statuses after which the same bytes need not be read again. "failed" is among them: the same
# bytes fail the same way, and a file that failed because it was incomplete changes size or mtime
# when it is complete, which makes it new again. (`shoetrack import` by hand retries any file.)
# A transient failure (the database busy, an I/O error) is marked `retry` and is read again by
# every scan until it succeeds or fails for good; it keeps one log row all along.
FINAL = ("imported", "duplicate", "not-activity", "failed")
# Seconds a file must be unchanged before a scan reads it, when the caller does not say (the
# daemon and `watch scan` pass the configured `[daemon] settle`).
SETTLE_S: float = default("daemon.settle")
MISSING_REASON = "folder not found (unplugged or unmounted?)"


@dataclass
class Watch:
    id: int
    folder: str
    recursive: bool
    enabled: bool
    last_scan: str | None  # ISO-8601 UTC, None before the first scan
    created_at: str
    sport: str | None = None  # for files in this folder that do not say their sport

    @property
    def exists(self) -> bool:
        return os.path.isdir(self.folder)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "folder": self.folder,
            "recursive": self.recursive,
            "enabled": self.enabled,
            "last_scan": self.last_scan,
            "created_at": self.created_at,
            "exists": self.exists,
            "sport": self.sport,
        }


def _row(r: dict) -> Watch:
    return Watch(
        r["id"],
        r["folder"],
        bool(r["recursive"]),
        bool(r["enabled"]),
        r["last_scan"],
        r["created_at"],
        r.get("sport"),
    )


def all_watches(store) -> list[Watch]:
    return [_row(r) for r in store.q("SELECT * FROM watches ORDER BY id")]


def add(
    store,
    folder: str | Path,
    *,
    recursive: bool = True,
    now: datetime | None = None,
    sport: str | None = None,
) -> Watch:
    """Watch `folder` (stored as an absolute path with symlinks resolved). The folder must exist
    now; later it may go missing (an unplugged watch) and is then skipped by scans. `sport`
    (canonical) is given to files in it that do not say theirs (see pipeline.import_file)."""
    path = Path(folder).expanduser()
    if not path.exists():
        raise UsageProblem(f"no such folder: {path}")
    if not path.is_dir():
        raise UsageProblem(f"not a folder: {path}")
    path = path.resolve()
    existing = store.one("SELECT id FROM watches WHERE folder = ?", (str(path),))
    if existing:
        raise ShoetrackError(f"{path} is already watched (#{existing['id']})")
    now = now or datetime.now(timezone.utc)
    with store.write():
        cur = store.conn.execute(
            "INSERT INTO watches (folder, recursive, enabled, created_at, sport) VALUES (?, ?, 1, ?, ?)",
            (str(path), int(recursive), iso(now), sport),
        )
    return _row(store.one("SELECT * FROM watches WHERE id = ?", (cur.lastrowid,)))


def covering(store, watch: Watch) -> Watch | None:
    """Another enabled watch that already scans `watch`'s folder (a recursive parent), if any."""
    for other in all_watches(store):
        if other.id == watch.id or not other.enabled:
            continue
        parent = Path(other.folder)
        child = Path(watch.folder)
        if other.recursive and parent in child.parents:
            return other
    return None


def find(store, ref: str) -> Watch:
    """A watch by id ("3" or "#3") or by folder (as typed, or resolved: it may be missing now)."""
    text = ref.strip()
    if text.lstrip("#").isdigit():
        row = store.one("SELECT * FROM watches WHERE id = ?", (int(text.lstrip("#")),))
        if row:
            return _row(row)
    candidates = [text]
    p = Path(text).expanduser()
    candidates += [str(p.absolute()), str(p.resolve())]
    for c in candidates:
        row = store.one("SELECT * FROM watches WHERE folder = ?", (c.rstrip(os.sep) or os.sep,))
        if row:
            return _row(row)
    raise UsageProblem(f"no watch matches {ref!r} (see `shoetrack watch list`)")


def remove(store, ref: str) -> Watch:
    """Stop watching a folder. Activities already imported from it stay."""
    w = find(store, ref)
    with store.write():
        store.conn.execute("DELETE FROM watches WHERE id = ?", (w.id,))
    return w


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclass
class Sighting:
    size: int
    mtime: float
    since: float  # UTC epoch seconds when this (size, mtime) was first seen


@dataclass
class Memory:
    """What scans saw, kept in memory between the daemon's scans: path -> Sighting. It lets a
    file whose mtime cannot be trusted (in the future: a FAT card with a local-time clock)
    settle after `settle_s` of observed stillness. Losing it (a restart) only delays such files."""

    files: dict[str, Sighting] = field(default_factory=dict)
    # folder -> reason last logged for skipping it: the daemon logs an unplugged folder once,
    # not at every scan.
    skipped: dict[str, str] = field(default_factory=dict)
    scans: int = 0  # scans completed with this memory


@dataclass
class WatchResult:
    folder: str
    status: str  # scanned / skipped / disabled / interrupted
    reason: str | None = None
    found: int = 0  # activity files in the folder
    new: int = 0  # files read by this scan

    def to_json(self) -> dict:
        return {
            "folder": self.folder,
            "status": self.status,
            "reason": self.reason,
            "found": self.found,
            "new": self.new,
        }


@dataclass
class ScanReport(pipeline.Report):
    """An import report (one entry per file read) plus the scan's own findings: per watch,
    files waiting to settle, and how many files were unchanged (not read)."""

    watches: list[WatchResult] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)
    unchanged: int = 0
    interrupted: bool = False

    @property
    def skipped(self) -> list[WatchResult]:
        return [w for w in self.watches if w.status == "skipped"]

    def to_json(self) -> dict:
        out = super().to_json()
        out.update(
            watches=[w.to_json() for w in self.watches],
            settling=self.settling,
            unchanged=self.unchanged,
            interrupted=self.interrupted,
        )
        return out


def settled(size: int, mtime: float, now_s: float, settle_s: float, seen: Sighting | None) -> bool:
    """A file may be read when its last write is at least `settle_s` seconds old (now_s and
    mtime are epoch seconds), or when a previous scan saw this same size and mtime at least
    `settle_s` ago. The second rule covers an mtime in the future (clock skew); a copy that
    writes steadily keeps moving both, so neither rule passes until it is done."""
    if now_s - mtime >= settle_s:
        return True
    return (
        seen is not None
        and (seen.size, seen.mtime) == (size, mtime)
        and now_s - seen.since >= settle_s
    )


def list_files(folder: str | Path, recursive: bool) -> list[str]:
    """Activity files in `folder` (see pipeline.walk: sorted, hidden entries skipped, special
    files listed so the import logs them). Raises OSError when the folder cannot be read."""
    return pipeline.walk(folder, recursive)


@dataclass
class _Scan:
    """One scan's shared state: the clock, the import-log index, what was seen, the report."""

    store: Store
    now_s: float
    settle_s: float
    memory: Memory | None
    report: ScanReport
    index: dict
    sightings: dict[str, Sighting] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)  # a file under two overlapping watches: once
    shoes: list | None = None


def scan(
    store,
    config=None,
    now: datetime | None = None,
    *,
    settle_s: float = SETTLE_S,
    memory: Memory | None = None,
    stop: threading.Event | None = None,
) -> ScanReport:
    """Scan every enabled watch once and import new, settled files (one transaction per file).

    `config` is not read (callers pass the configured settle time as `settle_s`); `now`: UTC
    time of the scan (default: the clock); `settle_s`: seconds a file must be still before it is
    read; `memory`: sightings kept between scans (see Memory); `stop`: checked between files, so
    a daemon shutting down stops after the file in hand (the next scan finds the rest).
    """
    now = now or datetime.now(timezone.utc)
    state = _Scan(store, now.timestamp(), settle_s, memory, ScanReport(), _index(store))
    for w in all_watches(store):
        result = WatchResult(w.folder, "scanned")
        state.report.watches.append(result)
        paths = _listing(w, result)
        if paths is None:
            continue
        _import(state, w, _waiting(state, paths, result), result, stop)
        if result.status == "interrupted":
            break
        _mark_scanned(store, w, now)
    if memory is not None:
        memory.scans += 1
        # Only files still waiting matter; dropping the rest keeps the memory as small as the
        # set of files in flight.
        waiting = set(state.report.settling)
        memory.files = {p: s for p, s in state.sightings.items() if p in waiting}
    return state.report


def _mark_scanned(store, w: Watch, now: datetime) -> None:
    try:
        with store.write():
            store.conn.execute("UPDATE watches SET last_scan = ? WHERE id = ?", (iso(now), w.id))
    except ShoetrackError as e:
        if not pipeline.is_locked(e):
            raise
        # Another process holds the database: the time of the scan is only information, and
        # the files it could not record are read again by the next scan.
        log.info("could not record the scan of %s: %s", w.folder, e)


def _listing(w: Watch, result: WatchResult) -> list[str] | None:
    """The watch's activity files, or None (with the reason in `result`) when it is skipped."""
    if not w.enabled:
        result.status = "disabled"
        return None
    folder = Path(w.folder)
    if not folder.is_dir():
        result.status, result.reason = "skipped", MISSING_REASON
        return None
    try:
        return list_files(folder, w.recursive)
    except OSError as e:
        result.status, result.reason = "skipped", f"cannot read folder: {e.strerror or e}"
        return None


def _state(path: str, st: os.stat_result | None):
    """(size, mtime) as the import log records them: of the file, or of the link or special
    file that the import skips (so a FIFO is logged once, not at every scan). None if gone.
    `st`: os.stat(path), None if it failed."""
    if st is not None and stat.S_ISREG(st.st_mode) and st.st_size <= MAX_BYTES:
        return st.st_size, st.st_mtime  # nearly every file: one stat, as probe() would do
    try:
        st = reading.probe(path)
    except reading.Unreadable as e:
        st = e.st
    return None if st is None else (st.st_size, st.st_mtime)


_TYPE, _REGULAR = 0o170000, stat.S_IFREG  # st_mode's file type bits, and a regular file's


def _waiting(state: _Scan, paths: list[str], result: WatchResult) -> list[str]:
    """The files of one watch to read now: new or changed, and settled. The walk gives absolute,
    folded paths (the watch's folder is stored so), so each is its stored path once escaped."""
    todo: list[str] = []
    known = state.index["state"]
    quick = _known_at_once(paths, known, state.done)
    if quick is None:
        found = unchanged = 0
        candidates = _one_by_one(paths, state.done)
    else:
        rest, unchanged = quick
        found = unchanged
        candidates = ((path, path, st) for path, st in rest)
    for path, spath, st in candidates:
        if st is not None and st.st_mode & _TYPE == _REGULAR and st.st_size <= MAX_BYTES:
            size, mtime = st.st_size, st.st_mtime  # _state's first step, inline
        else:
            seen_now = _state(path, st)
            if seen_now is None:
                continue  # gone since the listing (moved away mid-scan): nothing to import
            size, mtime = seen_now
        found += 1
        if (spath, size, mtime) in known:
            unchanged += 1
            continue
        prev = state.memory.files.get(spath) if state.memory else None
        if prev is not None and (prev.size, prev.mtime) == (size, mtime):
            state.sightings[spath] = prev
        else:
            state.sightings[spath] = Sighting(size, mtime, state.now_s)
        if not settled(size, mtime, state.now_s, state.settle_s, prev):
            state.report.settling.append(spath)
            continue
        if _touched(state.store, state.index, path, spath, size, mtime):
            state.report.unchanged += 1
            continue
        todo.append(path)
    result.found += found
    state.report.unchanged += unchanged
    return todo


def _known_at_once(paths: list[str], known: set, done: set[str]):
    """The files of `paths` not known in the state stat() gives them, with that stat, and how
    many are known: one stat per file and a set look-up, no Python call per file, as this runs
    over every file at every scan. A file known so is unchanged whatever its kind: `_state`
    gives the stat's size and mtime for any file whose stat() succeeds. None when the files
    must be taken one by one: a second watch of this scan (a file under two is the first's),
    a name that is not ASCII (its stored path is escaped), or a stat() that failed (a file
    gone, a broken link)."""
    if done or not all(map(str.isascii, paths)):
        return None
    try:
        stats = list(map(os.stat, paths))
    except OSError:
        return None
    done.update(paths)
    rest = [
        (p, st)
        for p, st in zip(paths, stats, strict=True)
        if (p, st.st_size, st.st_mtime) not in known
    ]
    return rest, len(paths) - len(rest)


def _one_by_one(paths: list[str], done: set[str]):
    """(path, stored path, stat or None if it failed) of each file not under an earlier watch
    of this scan."""
    for path in paths:
        spath = path if path.isascii() else escaped(path)
        if spath in done:
            continue
        done.add(spath)
        try:
            st = os.stat(path)
        except OSError:
            st = None
        yield path, spath, st


def _import(state: _Scan, w: Watch, todo: list[str], result: WatchResult, stop) -> None:
    """Import the watch's files in order (parsed by worker processes when there are many, see
    pipeline.import_each); `stop` is checked before each file."""
    if not todo:
        return
    halt = (lambda: stop.is_set()) if stop is not None else None
    for file in pipeline.import_each(state.store, todo, sport=w.sport, stop=halt):
        state.report.files.append(file)
        result.new += 1
    if stop is not None and stop.is_set() and result.new < len(todo):
        result.status = "interrupted"
        state.report.interrupted = True


# The statuses the log's schema allows (its CHECK). When all are final, the index's query needs
# no condition on the status, which it would test on every row of the log (a fifth of its time).
STATUSES = ("imported", "duplicate", "not-activity", "failed")


def _index(store) -> dict:
    """The import log as a rescan index: (path, size, mtime) of every file in a final state. A
    transient failure (`retry`) is not final: the next scan reads the file again. One query of
    three columns, as tuples: it runs over the whole log at every scan."""
    where, params = "", []
    if not set(FINAL) >= set(STATUSES):
        where, params = f"status IN ({','.join('?' * len(FINAL))}) AND ", list(FINAL)
    rows = store.conn.execute(
        f"SELECT path, size, mtime FROM files WHERE {where}size IS NOT NULL AND retry = 0", params
    ).fetchall()
    return {"state": set(rows)}


def _touched(store, index, path: str | Path, spath: str, size: int, mtime: float) -> bool:
    """True when a file already logged under this path has only a new mtime (same bytes): its
    log row gets the new size/mtime, so later scans skip it without reading it again.

    Without this, ingest reports such a file as "already imported" without updating its row,
    and every scan would read and hash it again.
    """
    marks = ",".join("?" * len(FINAL))
    rows = store.q(
        f"SELECT id, sha256 FROM files WHERE path = ? AND size = ? AND sha256 IS NOT NULL"
        f" AND status IN ({marks}) AND retry = 0",
        (spath, size, *FINAL),
    )
    if not rows:
        return False
    try:
        data, _ = reading.read_file(path)
    except reading.Unreadable:
        return False  # let the importer record why it cannot be read
    sha = hashlib.sha256(data).hexdigest()
    for r in rows:
        if r["sha256"] == sha:
            with store.write():
                store.conn.execute("UPDATE files SET mtime = ? WHERE id = ?", (mtime, r["id"]))
            index["state"].add((spath, size, mtime))
            return True
    return False
