"""Import activity files into the store: find, read safely, hash, dedupe, parse, one transaction
per file, and one import-log row per path (the `files` table). Pure core: progress comes through
a callback. Sizes are bytes, mtimes epoch seconds, distances meters.

Paths are stored absolute (see `absolute()`), so a path rule matches wherever the command ran.
A file whose bytes changed since it was imported (a watch still writing it, a sync tool replacing
it) has its activities replaced by the new content, keeping the pair the runner chose.
"""

from __future__ import annotations

import hashlib
import operator
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from shoetrack import activities
from shoetrack.attribution import chooser
from shoetrack.errors import ShoetrackError
from shoetrack.ingest import parallel
from shoetrack.ingest.paths import SUFFIXES, absolute_text, shown, stored_path
from shoetrack.ingest.reading import Unreadable, read_file
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.sports import family, wears_shoes
from shoetrack.store import Store
from shoetrack.units import iso


def _log():
    """This module's logger. logging is loaded on first use: about 5 ms of every import's
    start-up, and only an unexpected error writes to it."""
    import logging

    return logging.getLogger(__name__)


DUP_WINDOW_S = 60
DUP_DISTANCE = 0.02
SAME_FILE = "already imported (same file)"  # the reason for a file seen again, byte for byte
DONE = ("imported", "duplicate", "not-activity")  # statuses after which the same bytes are not read
RETRY_NOTE = "(tried again at the next import or scan)"


# ---------------------------------------------------------------------------------------------
# Paths


# ---------------------------------------------------------------------------------------------
# Finding and reading files


def walk(folder: str | Path, recursive: bool = True, links: list[str] | None = None) -> list[str]:
    """Activity files under `folder` (paths as text: `folder` joined with each name), sorted by
    folder then name, hidden entries skipped, subfolders too when `recursive`. Folder symlinks
    are followed, each real folder once, so a link back up the tree cannot loop. Entries that
    are not regular files (a FIFO named run.fit, a symlink loop) are listed too: the import logs
    why it skips them. Raises OSError when `folder` itself cannot be read (a scan must not
    mistake an unreadable folder for an empty one). The one walk of both import and watch scans:
    text paths and os.scandir only, as it runs over every file of every watched folder.
    `links`, if given, gets the files found that are symlinks."""
    root = os.fspath(folder)
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    todo = [iter([root])]  # folders' entries still to visit, sorted by name, depth first
    while todo:
        d = next(todo[-1], None)
        if d is None:
            todo.pop()
            continue
        try:
            st = os.stat(d)
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(d) as it:
                entries = [e for e in it if e.name[0] != "."]
            entries.sort(key=_name)
        except OSError:
            if d is root:
                raise
            continue  # an unreadable or vanished subfolder: the rest of the tree still imports
        # Depth first in name order, files and folders together: the order pathlib sorts paths
        # in ("a/x.fit" before "a-b.fit"), without splitting every path to sort it.
        todo.append(_visit(entries, found, recursive, links))
    return found


_name = operator.attrgetter("name")


def _visit(entries, found: list[str], recursive: bool, links: list[str] | None):
    """Walk one folder's sorted entries: add activity files to `found` (and those that are
    symlinks to `links`), yield subfolders."""
    for e in entries:
        try:
            is_dir = e.is_dir()  # follows a symlink; a looping link is not a folder
        except OSError:
            is_dir = False
        if is_dir:
            if recursive:
                yield e.path
        elif e.name.lower().endswith(SUFFIXES):
            found.append(e.path)
            if links is not None:
                try:
                    link = e.is_symlink()  # from the listing on most systems: no stat
                except OSError:
                    link = True  # not known: taken for one, to be resolved
                if link:
                    links.append(e.path)


def collect(paths: Iterable[str | Path]) -> list[str]:
    """Files to import (absolute, see `absolute()`): each file given, and activity files under
    each folder (see `walk`), each real file once. A path that does not exist raises
    ShoetrackError; a special file given by name is kept, for the import to log why it is
    skipped."""
    out: list[str] = []
    links: list[str] = []  # files found by a walk that are symlinks
    walks = 0  # sources: folders walked and files given
    for p in paths:
        walks += 1
        p = absolute_text(p)
        if os.path.isdir(p):
            try:
                out.extend(walk(p, links=links))
            except OSError as e:
                raise ShoetrackError(
                    f"cannot read folder {shown(stored_path(p))}: {e.strerror or e}"
                ) from None
        elif os.path.lexists(p):
            out.append(p)
        else:
            raise ShoetrackError(f"no such file or folder: {shown(stored_path(p))}")
    if walks == 1 and not links:
        # One walk without file symlinks lists each real file once already: it enters each
        # real folder once, so no two of its paths have the same real path.
        return out
    seen, unique = set(), []
    folders: dict[str, str] = {}
    for p in out:
        key = _real(p, folders)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _real(path: str, folders: dict[str, str]) -> str:
    """os.path.realpath(path), resolving each folder once (`folders` caches them): the real path
    of a name that is not a symlink is its folder's real path joined with the name."""
    if os.path.islink(path):
        return os.path.realpath(path)  # never raises, even on a symlink loop
    head, tail = os.path.split(path)
    real = folders.get(head)
    if real is None:
        real = folders[head] = os.path.realpath(head)
    return os.path.join(real, tail)


# ---------------------------------------------------------------------------------------------
# Results


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
    notes: list[str] = field(default_factory=list)  # what happened beyond the status, one line each
    inferred: list[tuple[int, str]] = field(default_factory=list)  # (activity id, guessed sport)
    replaced: int = 0  # activities of this path's earlier content that the new content replaced
    retry: bool = False  # a transient failure: tried again next time

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "activities": self.activities,
            "format": self.format,
            "distance_m_by_shoe": {k: round(v, 3) for k, v in self.by_shoe.items()},
            "unassigned": self.unassigned,
            "notes": self.notes,
            "sport_inferred": [{"activity": i, "sport": s} for i, s in self.inferred],
            "replaced": self.replaced,
            "retry": self.retry,
        }


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
        return {
            "dry_run": self.dry_run,
            "files": [f.to_json() for f in self.files],
            "imported": self.count("imported"),
            "duplicate": self.count("duplicate"),
            "not_activity": self.count("not-activity"),
            "failed": self.count("failed"),
            "distance_m_by_shoe": {k: round(v, 3) for k, v in self.by_shoe().items()},
        }


# ---------------------------------------------------------------------------------------------
# The import log


@dataclass
class _File:
    """One file in hand: its stored path, stat values, hash, format, and the path's log row."""

    path: str
    name: str
    size: int | None = None
    mtime: float | None = None
    sha: str | None = None
    fmt: str | None = None
    prev: dict | None = None

    def stat(self, st: os.stat_result | None) -> None:
        if st is not None:
            self.size, self.mtime = st.st_size, st.st_mtime


def _previous(store: Store, spath: str, sha: str | None) -> dict | None:
    """The log row of this path: the one with these bytes if any, else the latest (see
    `_pick`). Reusing it keeps one row per path, however often the file is seen or fails."""
    return _pick(store.q("SELECT * FROM files WHERE path = ? ORDER BY id", (spath,)), sha)


def _pick(rows: list[dict], sha: str | None) -> dict | None:
    """`_previous()` among a path's log rows (in id order): the last with these bytes if any,
    else the last."""
    if sha:
        for row in reversed(rows):
            if row["sha256"] == sha:
                return row
    return rows[-1] if rows else None


LOG_WINDOW = 256  # files whose log rows one look-up fetches (the SQL variables stay under 999)


class _Log:
    """The import log of a batch's files, fetched LOG_WINDOW files at a time as they are read:
    each path's `files` rows and the ids of their activities, in a few queries instead of two
    per file. It stays what the store holds: importing a file writes only its own path's rows
    and activities, and `forget()` drops that path after its turn, so a later look-up of it
    goes to the store again."""

    def __init__(self, store: Store, files: Sequence[str | Path]):
        self.store, self.files = store, files
        self.spaths: list[str] = []  # stored paths of the files fetched so far, by position
        self.rows: dict[str, list[dict]] = {}  # stored path -> its rows, in id order
        self.ids: dict[int, list[int]] = {}  # files row id -> its activities' ids, in order

    def spath(self, i: int) -> str:
        """The stored path of file `i`, its window's log fetched on first use."""
        while len(self.spaths) <= i:
            self._fetch()
        return self.spaths[i]

    def _fetch(self) -> None:
        start = len(self.spaths)
        window = [stored_path(p) for p in self.files[start : start + LOG_WINDOW]]
        self.spaths += window
        paths = list(dict.fromkeys(window))
        rows: dict[str, list[dict]] = {p: [] for p in paths}
        found = self.store.q(
            f"SELECT * FROM files WHERE path IN ({','.join('?' * len(paths))}) ORDER BY id", paths
        )
        for row in found:
            rows[row["path"]].append(row)
        ids: dict[int, list[int]] = {row["id"]: [] for row in found}
        keys = list(ids)
        for k in range(0, len(keys), LOG_WINDOW):
            chunk = keys[k : k + LOG_WINDOW]
            for file_id, activity_id in self.store.conn.execute(
                f"SELECT file_id, id FROM activities WHERE file_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY id",
                chunk,
            ):
                ids[file_id].append(activity_id)
        for p in paths:
            self.forget(p)  # rows fetched before, replaced by the store's rows now
        self.rows.update(rows)
        self.ids.update(ids)

    def previous(self, spath: str, sha: str | None) -> tuple[dict | None, list[int] | None]:
        """`_previous()`, and the ids of its row's activities (None when not fetched)."""
        rows = self.rows.get(spath)
        if rows is None:
            return _previous(self.store, spath, sha), None
        row = _pick(rows, sha)
        return row, None if row is None else self.ids[row["id"]]

    def forget(self, spath: str) -> None:
        for row in self.rows.pop(spath, ()):
            self.ids.pop(row["id"], None)


def _log_row(
    store: Store, f: _File, status: str, reason: str | None, duplicate_of=None, retry: bool = False
) -> int:
    values = (
        f.path,
        f.size,
        f.mtime,
        f.sha,
        f.fmt,
        status,
        reason,
        duplicate_of,
        int(retry),
        iso(datetime.now(timezone.utc)),
    )
    if f.prev is not None:
        store.conn.execute(
            "UPDATE files SET path=?, size=?, mtime=?, sha256=?, format=?, status=?, reason=?,"
            " duplicate_of=?, retry=?, imported_at=? WHERE id=?",
            (*values, f.prev["id"]),
        )
        return f.prev["id"]
    cur = store.conn.execute(
        "INSERT INTO files (path, size, mtime, sha256, format, status, reason, duplicate_of, retry,"
        " imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        values,
    )
    assert cur.lastrowid is not None  # an INSERT just ran
    return cur.lastrowid  # f.prev stays the row as before: a rolled-back insert leaves none


def is_locked(e: BaseException | None) -> bool:
    """Whether an error is another process holding the database (store.write turns it into a
    ShoetrackError; the sqlite3 error stays its context)."""
    while e is not None:
        if isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e)):
            return True
        e = e.__context__
    return False


def _record_failure(store: Store, f: _File, reason: str, retry: bool = False) -> FileResult:
    reason = " ".join(str(reason).split())  # one line, always
    if retry and RETRY_NOTE not in reason:
        reason = f"{reason} {RETRY_NOTE}"
    if f.prev is not None and f.prev.get("status") == "imported":
        kept = store.scalar("SELECT count(*) FROM activities WHERE file_id = ?", (f.prev["id"],))
        if kept:
            reason += (
                f"; the {kept} activit{'y' if kept == 1 else 'ies'} from its earlier content stay"
            )
    try:
        with store.write():
            _log_row(store, f, "failed", reason, retry=retry)
    except ShoetrackError as e:
        if not is_locked(e):
            raise
        retry = True  # still locked: no row at all, so the next scan reads the file again
    return FileResult(f.path, "failed", reason, format=f.fmt, retry=retry)


# ---------------------------------------------------------------------------------------------
# One file


def import_file(
    store: Store,
    path: str | Path,
    *,
    shoe: Shoe | None = None,
    when: date | None = None,
    shoes: list[Shoe] | None = None,
    sport: str | None = None,
    ready: _Ready | None = None,
) -> FileResult:
    """Import one file in one transaction (the caller may hold an outer one for a dry run).

    `shoe`: the runner's pair for every activity, also for a file imported before; `sport`: the
    sport for activities whose file does not say it (inferred by the reader, or "other");
    `ready`: the file already read, hashed and perhaps being parsed, or to be read in its turn
    through its batch's import log (see `_Ahead`).
    Another process holding the database makes a failure to retry, never an exception that
    would stop the files after this one.
    """
    spath = ready.spath if ready is not None else stored_path(path)  # read ahead: known already
    f = _File(spath, os.path.basename(os.fspath(path)))
    try:
        return _import(store, f, path, shoe, when, shoes, sport, ready)
    except (ShoetrackError, sqlite3.OperationalError) as e:
        if not is_locked(e):
            raise
        return _record_failure(store, f, str(e), retry=True)


@dataclass
class _Ready:
    """One file read and hashed ahead of its turn: its stat, sha256 and log row then, its bytes
    while it may need parsing, and the parse handed to a worker, if any."""

    st: os.stat_result | None = None
    sha: str | None = None
    prev: dict | None = None
    data: bytes | None = None
    error: Unreadable | None = None
    pending: Callable[[], tuple] | None = None  # the parse outcome from a worker, waited for
    fresh: bool = True  # `prev` is still the path's row: no earlier entry of the batch wrote it
    spath: str = ""  # the stored path it was read under
    ids: list[int] | None = None  # the ids of `prev`'s activities, when fetched with it
    log: _Log | None = None  # not read yet: read in its turn, looked up in this log


def _done_row(prev: dict | None, sha: str | None) -> dict | None:
    """`prev` when it logs these same bytes (sha None: not hashed, never the same) in a state
    after which they are not read again (DONE), else None."""
    return prev if prev is not None and prev["sha256"] == sha and prev["status"] in DONE else None


def _seen_row(prev: dict | None, sha: str | None, shoe) -> dict | None:
    """The log row that makes parsing the bytes needless, or None when they must be parsed: not
    the same bytes as logged under this path, or a duplicate seen again with --shoe (parsed
    again, to find the activities it duplicates)."""
    done = _done_row(prev, sha)
    return done if done is not None and (done["status"] == "imported" or shoe is None) else None


def _read(
    store: Store, spath: str, path, shoe, keep: bool = False, log: _Log | None = None
) -> _Ready:
    """Read and hash a file, and look up its log row (in `log`, the batch's, if given); its
    bytes are kept if they need parsing."""
    try:
        data, st = read_file(path)
    except Unreadable as e:
        return _Ready(error=e, spath=spath)
    sha = hashlib.sha256(data).hexdigest()
    prev, ids = (_previous(store, spath, sha), None) if log is None else log.previous(spath, sha)
    data_kept = data if keep or _seen_row(prev, sha, shoe) is None else None
    return _Ready(st, sha, prev, data_kept, spath=spath, ids=ids)


def _import(
    store: Store, f: _File, path, shoe, when, shoes, sport, ready: _Ready | None
) -> FileResult:
    """import_file's steps: read and hash, seen before, parse, store."""
    if ready is None or ready.log is not None:  # read in its turn
        r = _read(store, f.path, path, shoe, keep=True, log=None if ready is None else ready.log)
    else:
        r = ready
    if r.error is not None:
        return _unreadable(store, f, r.error)
    f.stat(r.st)
    f.sha = r.sha
    f.prev = r.prev if r.fresh else _previous(store, f.path, f.sha)
    seen = _seen_row(f.prev, f.sha, shoe)
    if seen is not None:
        return _seen_before(store, f, seen, shoe, r.ids if r.fresh else None)
    if r.pending is not None:
        outcome = r.pending()
    else:
        if r.data is None:  # read ahead as seen before, but an earlier entry changed that
            r = _read(store, f.path, path, shoe, keep=True)
            if r.error is not None:  # unreadable since it was read ahead
                return _unreadable(store, f, r.error)
        assert r.data is not None  # read without error and kept: to be parsed, or keep=True
        outcome = parallel.parse(r.data, f.name, when)
    acts = _parsed(store, f, outcome)
    if isinstance(acts, FileResult):
        return acts
    inferred = _set_sport(acts, sport)
    try:
        with store.write():
            return _store(store, f, acts, inferred, shoe, shoes)
    except ShoetrackError as e:  # a value we refuse, or the database busy: the file is rolled back
        return _record_failure(store, f, str(e), retry=is_locked(e))
    except sqlite3.IntegrityError as e:  # a value the schema's CHECKs refuse
        return _record_failure(store, f, f"refused by the database: {e}")
    except sqlite3.OperationalError as e:
        if not is_locked(e):
            raise
        return _record_failure(store, f, f"database busy: {e}", retry=True)
    except Exception as e:  # a bug must not stop the other files; the traceback goes to the log
        _log().exception("unexpected error importing %s", f.path)
        return _record_failure(
            store, f, f"unexpected error (please report): {type(e).__name__}: {e}"
        )


def _unreadable(store: Store, f: _File, error: Unreadable) -> FileResult:
    f.stat(error.st)
    f.prev = _previous(store, f.path, None)
    return _record_failure(store, f, error.reason, error.retry)


def _seen_before(
    store: Store, f: _File, prev: dict, shoe: Shoe | None, ids: list[int] | None = None
) -> FileResult:
    """The same bytes under the same path, already imported (`prev`, their log row, and `ids`,
    its activities' ids if known). With `shoe`, the runner's word wins: the activities go on
    that pair, as a manual choice."""
    if ids is None:
        ids = [
            r[0]
            for r in store.conn.execute(
                "SELECT id FROM activities WHERE file_id = ? ORDER BY id", (prev["id"],)
            )
        ]
    else:
        ids = list(ids)  # the result's own list, not the log's
    result = FileResult(f.path, "duplicate", SAME_FILE, ids, prev["format"])
    if shoe is not None and ids:
        with store.write():
            result.notes = _put_on(store, ids, shoe)
    return result


def _put_on(store: Store, ids: list[int], shoe: Shoe) -> list[str]:
    """Put activities imported before on `shoe` (a manual choice); one line for each."""
    lines = []
    for activity_id in ids:
        row = activities.get(store, activity_id)
        now = store.one("SELECT shoe_id, by FROM assignments WHERE activity_id = ?", (activity_id,))
        head = f"already imported as activity {activity_id}"
        if now and now["shoe_id"] == shoe.id and now["by"] in chooser.USER_BY:
            lines.append(f"{head}; it already counts on {shoe.name}")
            continue
        try:
            choice = chooser.explicit(shoe, row)
        except ShoetrackError as e:
            lines.append(f"{head}; not put on {shoe.name}: {e}")
            continue
        activities.set_assignment(store, activity_id, choice)
        lines.append(f"{head}; now counts on {shoe.name}")
    return lines


def _parse(store: Store, f: _File, data: bytes, when: date | None):
    """The file's activities, or the FileResult that says why there are none."""
    return _parsed(store, f, parallel.parse(data, f.name, when))


def _parsed(store: Store, f: _File, outcome: tuple):
    """The activities of a parse outcome (see parallel.parse), or the FileResult that says why
    there are none, logged."""
    kind, f.fmt, value = outcome[:3]
    if kind == "ok":
        return value
    if kind == "not-activity":
        with store.write():
            _log_row(store, f, "not-activity", value)
        return FileResult(f.path, "not-activity", value, format=f.fmt)
    if kind == "parse-error":
        return _record_failure(store, f, value)
    if kind == "died":
        return _record_failure(store, f, value, retry=True)
    # A reader bug must not stop the other files; keep the traceback in the log.
    _log().error("unexpected error reading %s\n%s", f.path, outcome[3])
    return _record_failure(store, f, f"unexpected error (please report): {value}")


def _set_sport(acts: list, sport: str | None) -> list[bool]:
    """Apply the runner's sport to activities whose file did not name one: the reader inferred it
    from the track, or reported "other". Returns, per activity, whether its sport is still a
    guess (then it is stored as inferred and the summary says so)."""
    flags = []
    for act in acts:
        guessed = bool(getattr(act, "sport_inferred", False))
        if sport and (guessed or act.sport == "other"):
            act.sport, guessed = sport, False
        flags.append(guessed)
    return flags


def find_duplicate(store: Store, act) -> dict | None:
    """An existing activity that is this one exported another way: start within 60 s, same
    sport family, distance within 2 %."""
    lo = iso(act.start - timedelta(seconds=DUP_WINDOW_S))
    hi = iso(act.start + timedelta(seconds=DUP_WINDOW_S))
    for row in store.q(
        "SELECT a.id, a.sport, a.distance_m, f.path FROM activities a"
        " LEFT JOIN files f ON f.id = a.file_id WHERE a.start BETWEEN ? AND ?",
        (lo, hi),
    ):
        if family(row["sport"]) != family(act.sport):
            continue
        biggest = max(row["distance_m"], act.distance_m)
        if biggest == 0 or abs(row["distance_m"] - act.distance_m) <= DUP_DISTANCE * biggest:
            return row
    return None


def _store(
    store: Store,
    f: _File,
    acts: list,
    inferred: list[bool],
    shoe: Shoe | None,
    shoes: list[Shoe] | None,
) -> FileResult:
    """Inside the file's transaction: replace what this path held before, refuse duplicates,
    insert and attribute the rest."""
    old = _take_back(store, f)
    same = store.one(
        "SELECT id, path FROM files WHERE sha256 = ? AND status = 'imported' AND path != ?",
        (f.sha, f.path),
    )
    if same:
        reason = f"same file as {shown(same['path'])}"
        _log_row(store, f, "duplicate", reason, same["id"])
        ids = [
            r["id"] for r in store.q("SELECT id FROM activities WHERE file_id = ?", (same["id"],))
        ]
        return _duplicate(store, f, reason, ids, shoe, len(old))
    fresh, dups = [], []
    for act, guess in zip(acts, inferred, strict=True):
        act.name = act.name or f.name
        dup = find_duplicate(store, act)
        if dup:
            dups.append(dup)
        else:
            fresh.append((act, guess))
    if not fresh:
        reason = _same_activity(dups[0])
        _log_row(store, f, "duplicate", reason)
        return _duplicate(store, f, reason, [d["id"] for d in dups], shoe, len(old))
    notes = _notes(
        [act for act, _ in fresh],
        len(dups),
        len(acts),
        [f"sport inferred: {act.sport}" for act, guess in fresh if guess],
    )
    result = FileResult(
        f.path, "imported", "; ".join(notes) or None, format=f.fmt, replaced=len(old)
    )
    file_id = _log_row(store, f, "imported", result.reason)
    shoes = shoes if shoes is not None else all_shoes(store)
    rules = chooser.load_rules(store)
    for act, guess in fresh:
        _insert(store, act, guess, file_id, _match(old, act), shoe, shoes, rules, result)
    return result


def _same_activity(dup: dict) -> str:
    """The import log's reason for a file whose activities are all stored already."""
    where = f" from {shown(dup['path'])}" if dup["path"] else ""
    return f"same activity as #{dup['id']}{where}"


def _notes(fresh: list, n_dups: int, n_acts: int, more: tuple | list = ()) -> list[str]:
    """What the log says about a file that imported: the readers' warnings, `more`, and how
    many of its sessions were stored already."""
    notes = list(dict.fromkeys(w for act in fresh for w in getattr(act, "warnings", [])))
    notes += more
    if n_dups:
        notes.append(f"{n_dups} of {n_acts} sessions already present")
    return notes


def _duplicate(store, f: _File, reason: str, ids: list[int], shoe, replaced: int) -> FileResult:
    result = FileResult(f.path, "duplicate", reason, ids, f.fmt, replaced=replaced)
    if shoe is not None:
        result.notes = _put_on(store, ids, shoe)
    return result


def _take_back(store: Store, f: _File) -> list[dict]:
    """Delete the activities this path holds from earlier content (also ghosts that older
    versions added beside them), returning what the runner said about each: the pair and why,
    note, ignored. The new content then replaces them; nothing is counted twice."""
    old = store.q(
        "SELECT a.id, a.start, a.session_index, a.note, a.ignored, g.shoe_id, g.by"
        " FROM activities a JOIN files fl ON fl.id = a.file_id"
        " LEFT JOIN assignments g ON g.activity_id = a.id WHERE fl.path = ?",
        (f.path,),
    )
    if old:
        store.conn.execute(
            f"DELETE FROM activities WHERE id IN ({','.join('?' * len(old))})",
            [r["id"] for r in old],
        )
        if f.prev is not None:
            store.conn.execute(
                "UPDATE files SET status = 'duplicate', duplicate_of = ?,"
                " reason = 'earlier content of this file, replaced' WHERE path = ? AND id != ?"
                " AND status = 'imported'",
                (f.prev["id"], f.path, f.prev["id"]),
            )
    return old


def _match(old: list[dict], act) -> dict | None:
    """The earlier activity that `act` is the new version of: the same session starting within
    60 s, else the nearest start within 60 s. Each earlier activity matches once."""
    best, best_key = None, None
    for r in old:
        if r.get("used"):
            continue
        gap = abs(
            (datetime.fromisoformat(r["start"].replace("Z", "+00:00")) - act.start).total_seconds()
        )
        if gap > DUP_WINDOW_S:
            continue
        key = (r["session_index"] != act.session_index, gap)
        if best_key is None or key < best_key:
            best, best_key = r, key
    if best is not None:
        best["used"] = True
    return best


def _insert(
    store,
    act,
    guess: bool,
    file_id: int,
    before: dict | None,
    shoe,
    shoes,
    rules,
    result: FileResult,
) -> None:
    activity_id = activities.insert(
        store, act, file_id=file_id, note=before["note"] if before else None
    )
    if guess or (before and before["ignored"]):
        store.conn.execute(
            "UPDATE activities SET sport_inferred = ?, ignored = ? WHERE id = ?",
            (int(guess), int(bool(before and before["ignored"])), activity_id),
        )
    row = activities.get(store, activity_id)
    choice = _choose(store, row, shoe, result.path, shoes, rules, before)
    activities.set_assignment(store, activity_id, choice)
    result.activities.append(activity_id)
    if guess:
        result.inferred.append((activity_id, act.sport))
    if choice.shoe:
        result.by_shoe[choice.shoe.name] = (
            result.by_shoe.get(choice.shoe.name, 0.0) + act.distance_m
        )
    elif wears_shoes(act.sport) and not row["ignored"]:
        result.unassigned.append(f"#{activity_id} {act.sport}: {choice.reason}")


def _choose(store, row, shoe, path, shoes, rules, before: dict | None = None) -> chooser.Choice:
    if shoe is not None and wears_shoes(row["sport"]):
        try:
            return chooser.explicit(shoe, row)
        except ShoetrackError as e:
            return chooser.Choice(None, None, str(e))
    if before and before["by"] in chooser.USER_BY and before["shoe_id"]:
        kept = next((s for s in (shoes or all_shoes(store)) if s.id == before["shoe_id"]), None)
        if kept is not None:
            try:
                chooser.explicit(kept, row)  # still applies: a shoe sport, the pair in use that day
                return chooser.Choice(kept, before["by"], "kept from before the file changed")
            except ShoetrackError:
                pass
    return chooser.choose(store, row, path=path, shoes=shoes, rules=rules)


# ---------------------------------------------------------------------------------------------
# Many files


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    shoe: Shoe | None = None,
    when: date | None = None,
    dry_run: bool = False,
    sport: str | None = None,
    progress: Callable[[str], None] | None = None,
    files: Sequence[str | Path] | None = None,
    workers: int | None = None,
) -> Report:
    """Import files and folders. dry_run does all the work inside one transaction and rolls it
    back, so its report is exactly what a real run would do. `workers`: processes that parse
    (see `_Ahead`); default one per core, 1 parses in this process only."""
    files = files if files is not None else collect(paths)
    report = Report(dry_run=dry_run)

    def run():
        for result in import_each(
            store, files, shoe=shoe, when=when, sport=sport, progress=progress, workers=workers
        ):
            report.files.append(result)

    if dry_run:
        with store.trial():
            run()
    else:
        run()
    return report


def import_each(
    store: Store,
    files: list,
    *,
    shoe: Shoe | None = None,
    when: date | None = None,
    sport: str | None = None,
    progress: Callable[[str], None] | None = None,
    stop: Callable[[], bool] | None = None,
    workers: int | None = None,
):
    """Import `files` in order, one transaction each, yielding each FileResult; `stop` is asked
    before each file (a daemon shutting down). Files are read ahead and parsed by worker
    processes when there are enough of them (see `_Ahead`); this process alone writes, so the
    results and the import log are the same as parsing them one by one here."""
    shoes = all_shoes(store)
    ahead = _Ahead(
        store, files, shoe, when, parallel.default_workers() if workers is None else workers
    )
    cancel = True  # stopped, interrupted or failed: parses not started are dropped
    try:
        for i, path in enumerate(files):
            if stop is not None and stop():
                break
            ready = ahead.take(i)
            result = import_file(
                store, path, shoe=shoe, when=when, shoes=shoes, sport=sport, ready=ready
            )
            # Its rows may have changed: a later entry of the same path looks them up again.
            ahead.log.forget(ready.spath)
            yield result
            if progress:
                progress(path)
        else:
            cancel = False
    finally:
        ahead.close(cancel=cancel)


# Starting two spawn workers costs 0.1-0.2 s; a file of a watch archive takes 2.7 ms to parse on
# average (GPX 10-20 ms, FIT under 1 ms), half of which a second core saves. So the pool pays
# for itself from about 50 files of GPX and FIT mixed (docs/benchmarks.md); fewer, and every file
# is parsed in this process, losing at most the start-up time when they are all GPX.
POOL_MIN_FILES = 50
LOOK_AHEAD = 256  # files read ahead at most (bytes kept only for those waiting to be parsed)
# Parses in flight per worker, and the bytes they may hold in all. Two per worker left the
# workers idle while the importer stored a slow file's activities (3,000 files: 7.0 s; eight:
# 4.9 s, two free cores); once the pool runs, the byte cap keeps a folder of large files from
# holding many at once (before, POOL_MIN_FILES are read ahead to decide whether to start it).
PER_WORKER = 8
AHEAD_BYTES = 64 * 2**20


class _Ahead:
    """Reads, hashes and looks up files ahead of their turn, and hands those that need parsing
    to a worker pool, keeping `PER_WORKER x workers` parses in flight. The pool starts only once
    POOL_MIN_FILES files wait to be parsed within LOOK_AHEAD files: a re-import of known files,
    or a handful of new ones, never starts it. Without a pool each file is read in its turn.
    Either way the log rows come from the batch's `_Log`."""

    def __init__(self, store: Store, files: list, shoe, when, workers: int):
        self.store, self.files, self.shoe, self.when = store, files, shoe, when
        self.log = _Log(store, files)
        self.pool = parallel.Pool(workers) if workers > 1 and len(files) >= POOL_MIN_FILES else None
        self.ready: dict[int, _Ready] = {}
        self.next = 0  # the next file to read ahead
        self.waiting: list[int] = []  # files read ahead whose bytes wait to be parsed, in order
        self.futures: dict = {}  # file -> its parse in the pool
        self.paths: set[str] = set()

    def take(self, i: int) -> _Ready:
        """File `i` read ahead (without a pool: its stored path, to be read in its turn)."""
        if self.pool is None:
            return _Ready(spath=self.log.spath(i), log=self.log)
        want = PER_WORKER * self.pool.workers if self.pool.started else POOL_MIN_FILES
        while (
            self.next < len(self.files)
            and self.next < i + LOOK_AHEAD
            and len(self.waiting) < want
            and (not self.pool.started or self._held() < AHEAD_BYTES)
        ):
            self._read(self.next)
            self.next += 1
        if self.pool.started or len(self.waiting) >= POOL_MIN_FILES:
            for j in self.waiting:
                if j not in self.futures:
                    self._submit(self.pool, j)
        # else too few wait: file i, if it needs parsing, is parsed here in its turn
        self.futures.pop(i, None)
        if self.waiting and self.waiting[0] == i:
            self.waiting.pop(0)
        return self.ready.pop(i)

    def _held(self) -> int:
        """Bytes kept for the files waiting to be parsed (at most `PER_WORKER` per worker)."""
        return sum(len(self.ready[j].data or b"") for j in self.waiting)

    def _read(self, j: int) -> None:
        path = self.files[j]
        spath = self.log.spath(j)
        r = _read(self.store, spath, path, self.shoe, keep=spath in self.paths, log=self.log)
        r.fresh = spath not in self.paths  # listed twice: the first one may change its row
        self.paths.add(spath)
        self.ready[j] = r
        if r.data is not None:
            self.waiting.append(j)

    def _submit(self, pool: parallel.Pool, j: int) -> None:
        r = self.ready[j]
        data = r.data
        assert data is not None  # only files in `waiting` are submitted: their bytes are kept
        name = os.path.basename(os.fspath(self.files[j]))
        future = self.futures[j] = pool.submit(data, name, self.when, self.files[j], r.sha)
        r.pending = lambda: self._outcome(pool, future, data, name)

    def _outcome(self, pool: parallel.Pool, future, data: bytes, name: str) -> tuple:
        outcome = pool.outcome(future)
        if outcome[0] == parallel.MOVED:  # changed since it was read: its bytes as hashed
            return parallel.parse(data, name, self.when)
        if outcome[0] == "died":
            # A worker died and took the pool's other parses with it: each is parsed again in
            # a worker of its own, so only a file that kills a worker by itself is blamed.
            outcome = parallel.Pool(1).alone(data, name, self.when)
        return outcome

    def close(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.close(cancel=cancel)


# ---------------------------------------------------------------------------------------------
# Fixing a guess


@dataclass
class SportChange:
    """What `set_sport` did: the activity row before, its new sport, the pair it counts on now
    (None for none) and why, and the pair it came off (None if it stayed or had none)."""

    before: dict
    sport: str
    choice: chooser.Choice
    came_off: str | None


def set_sport(store: Store, activity_id: int, sport: str) -> SportChange:
    """Set an activity's sport (the runner's word: no longer inferred) and attribute it again.

    A pair the runner chose stays when the new sport still wears shoes; a sport that never
    wears shoes (cycling) comes off every pair, chosen or not; an automatic pair is chosen again
    by the rules and defaults, as at import."""
    with store.write():
        before = activities.get(store, activity_id)
        current = store.one(
            "SELECT shoe_id, by FROM assignments WHERE activity_id = ?", (activity_id,)
        )
        start = datetime.fromisoformat(before["start"].replace("Z", "+00:00"))
        store.conn.execute(
            "UPDATE activities SET sport = ?, sport_inferred = 0, identity = ? WHERE id = ?",
            (sport, activities.identity_key(start, sport), activity_id),
        )
        row = activities.get(store, activity_id)
        shoes = all_shoes(store)
        worn = next((s for s in shoes if current and s.id == current["shoe_id"]), None)
        if worn is not None and current["by"] in chooser.USER_BY and wears_shoes(sport):
            return SportChange(
                before, sport, chooser.Choice(worn, current["by"], "your choice, kept"), None
            )
        path = (
            store.scalar("SELECT path FROM files WHERE id = ?", (row["file_id"],))
            if row["file_id"]
            else None
        )
        choice = chooser.choose(store, row, path=path, shoes=shoes)
        activities.set_assignment(store, activity_id, choice)
    came_off = (
        worn.name
        if worn is not None and (choice.shoe is None or choice.shoe.id != worn.id)
        else None
    )
    return SportChange(before, sport, choice, came_off)


# ---------------------------------------------------------------------------------------------
# Export members (shoetrack.exports): an activity file read out of an archive under its virtual
# path (`export_1.zip!activities/2.fit.gz`), an activity an export lists without a file, and the
# export's gear. `gear` is a callable given each activity (or, for a file seen before, the stored
# row's start and sport): it returns the export's pair for it, or None.


def import_member(
    store: Store, vpath: str, data: bytes, *, gear=None, shoes: list[Shoe] | None = None
) -> FileResult:
    """Import one activity file's bytes from an export, in one transaction. Seen before (same
    virtual path, same bytes): nothing is written, but the export's gear is applied again."""
    f = _File(
        vpath,
        vpath.rsplit("!", 1)[-1].rsplit("/", 1)[-1],
        size=len(data),
        sha=hashlib.sha256(data).hexdigest(),
    )
    f.prev = _previous(store, f.path, f.sha)
    done = _done_row(f.prev, f.sha)
    if done is not None and done["status"] != "duplicate":
        return _seen_member(store, f, done, gear)
    acts = _parse(store, f, data, None)
    if isinstance(acts, FileResult):
        return acts
    for act in acts:
        act.name = act.name or f.name
    return _store_member(store, f, acts, gear, shoes, logged=done is not None)


def import_listed(
    store: Store, vpath: str, act, *, key: str, fmt: str, gear=None, shoes: list[Shoe] | None = None
) -> FileResult:
    """Import an activity an export lists without a file (a manual Strava entry, a Garmin
    summary whose FIT is missing), logged under `vpath` with the sha256 of `key` (a stable text
    for the listing: its figures), so that importing the export again changes nothing."""
    f = _File(vpath, vpath, sha=hashlib.sha256(key.encode()).hexdigest(), fmt=fmt)
    f.prev = _previous(store, f.path, f.sha)
    done = _done_row(f.prev, f.sha)
    if done is not None and done["status"] != "duplicate":
        return _seen_member(store, f, done, gear)
    return _store_member(store, f, [act], gear, shoes, logged=done is not None)


class _Seen:
    """A stored activity row with the attributes the gear callable reads (start, sport, name)."""

    def __init__(self, row: dict):
        self.start = datetime.fromisoformat(row["start"].replace("Z", "+00:00"))
        self.sport, self.name, self.distance_m = row["sport"], row["name"], row["distance_m"]


def _seen_member(store: Store, f: _File, prev: dict, gear) -> FileResult:
    rows = store.q("SELECT * FROM activities WHERE file_id = ? ORDER BY id", (prev["id"],))
    result = FileResult(
        f.path,
        prev["status"] if not rows else "duplicate",
        SAME_FILE if rows else prev["reason"],
        [r["id"] for r in rows],
        prev["format"],
    )
    with store.write():
        _archive_gear(store, result, [(_Seen(r), r) for r in rows], gear)
    return result


def _store_member(store: Store, f: _File, acts: list, gear, shoes, logged: bool) -> FileResult:
    """Insert an export member's activities in one transaction; duplicates of activities
    already stored get the export's gear. `logged`: this member's 'duplicate' row is already
    in the log, as it would be written again."""
    try:
        with store.write():
            # The export's word first: it may name the activity and correct its sport.
            worn = {id(act): gear(act) if gear else None for act in acts}
            old = _take_back(store, f)
            found = [(act, find_duplicate(store, act)) for act in acts]
            dups = [(act, dup) for act, dup in found if dup]
            fresh = [act for act, dup in found if not dup]
            if not fresh:
                reason = _same_activity(dups[0][1])
                if not logged:
                    _log_row(store, f, "duplicate", reason)
                result = FileResult(f.path, "duplicate", reason, [d["id"] for _, d in dups], f.fmt)
                _archive_gear(store, result, dups, worn)
                return result
            notes = _notes(fresh, len(dups), len(acts))
            result = FileResult(
                f.path, "imported", "; ".join(notes) or None, format=f.fmt, replaced=len(old)
            )
            file_id = _log_row(store, f, "imported", result.reason)
            shoes = shoes if shoes is not None else all_shoes(store)
            rules = chooser.load_rules(store)
            for act in fresh:
                _insert_member(
                    store, act, worn[id(act)], _match(old, act), file_id, shoes, rules, result
                )
            _archive_gear(store, result, dups, worn)
            return result
    except (
        ShoetrackError,
        sqlite3.IntegrityError,
    ) as e:  # a value refused: the member is rolled back
        return _record_failure(store, f, str(e), retry=is_locked(e))


def _insert_member(
    store,
    act,
    shoe: Shoe | None,
    before: dict | None,
    file_id: int,
    shoes,
    rules,
    result: FileResult,
) -> None:
    """One new activity: on the export's pair, unless the runner chose one for the member's
    earlier content (kept); without a pair from the export, as any import attributes it."""
    if shoe is None or (before and before["by"] in ("manual", "inbox")):
        _insert(store, act, False, file_id, before, None, shoes, rules, result)
        return
    activity_id = activities.insert(
        store, act, file_id=file_id, note=before["note"] if before else None
    )
    row = activities.get(store, activity_id)
    result.activities.append(activity_id)
    if assign_archive(store, row, shoe):
        result.by_shoe[shoe.name] = result.by_shoe.get(shoe.name, 0.0) + row["distance_m"]


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
    if now and (
        now["by"] in ("manual", "inbox") or (now["shoe_id"], now["by"]) == (shoe.id, "archive")
    ):
        return False
    activities.set_assignment(
        store, row["id"], chooser.Choice(shoe, "archive", "gear in the export")
    )
    return True


def record_member_failure(store: Store, vpath: str, reason: str) -> FileResult:
    """Log an export member that could not be read at all (damaged, refused, unsafe name)."""
    f = _File(vpath, vpath)
    f.prev = _previous(store, vpath, None)
    return _record_failure(store, f, reason)
