"""A batch's import log, fetched a window of files at a time (pipeline._Log): the same log rows,
results and store as looking each file up alone (`import_file` one by one), including a path
listed twice in one batch, a file changed under a known path, --shoe on known files, a dry
run, and windows smaller than the batch, with and without the worker pool."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from builders import T1, gpx, track
from helpers import db_dump_timeless as dump

from shoetrack import shoes as shoes_mod
from shoetrack.ingest import pipeline
from shoetrack.store import open_store


def run(day: int, n: int = 60) -> str:
    return gpx(track(T1 - timedelta(days=day), n=n))


@pytest.fixture
def known(tmp_path):
    """A store that imported a folder once (runs, a byte-for-byte copy, a file that is no
    activity, a broken one), with a default pair, and rows an older version left beside a
    path's own (another content's, logged later); then the folder changed: one file rewritten
    with other bytes, one new file. Returns (db, folder)."""
    folder = tmp_path / "runs"
    folder.mkdir()
    for i in range(8):
        (folder / f"run{i}.gpx").write_text(run(i))
    (folder / "copy.gpx").write_text(run(0))
    (folder / "route.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" '
        'xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"/></gpx>'
    )
    (folder / "broken.fit").write_bytes(b"\x0e\x10" + b"\x00" * 40)
    db = tmp_path / "known.db"
    store = open_store(db)
    shoes_mod.add(store, "Pegasus", purchased_on="2020-01-01", default_sports=["run"])
    shoes_mod.add(store, "Trail", purchased_on="2020-01-01")
    pipeline.import_paths(store, [folder], workers=1)
    with store.write():
        for name in ("run3.gpx", "run5.gpx"):
            store.conn.execute(
                "INSERT INTO files (path, size, mtime, sha256, format, status, reason,"
                " imported_at) SELECT path, size, mtime, ?, format, 'duplicate',"
                " 'earlier content of this file, replaced', imported_at FROM files WHERE path = ?",
                ("0" * 64, str(folder / name)),
            )
    store.close()
    (folder / "run3.gpx").write_text(run(3, n=90))  # the same run, recorded longer
    (folder / "run9.gpx").write_text(run(9))
    return db, folder


def alone(db, files, *, shoe=None, dry_run=False):
    """The reference: each file imported by itself, its log rows looked up in the store."""
    store = open_store(db)
    try:
        pick = shoes_mod.resolve(store, shoe) if shoe else None
        every = shoes_mod.all_shoes(store)

        def each():
            return [pipeline.import_file(store, p, shoe=pick, shoes=every) for p in files]

        if dry_run:
            with store.trial():
                return [r.to_json() for r in each()]
        return [r.to_json() for r in each()]
    finally:
        store.close()


def batch(db, files, *, shoe=None, dry_run=False, workers=1):
    store = open_store(db)
    try:
        pick = shoes_mod.resolve(store, shoe) if shoe else None
        report = pipeline.import_paths(
            store, [], files=files, shoe=pick, dry_run=dry_run, workers=workers
        )
        return [r.to_json() for r in report.files]
    finally:
        store.close()


def both(tmp_path, db, files, **kw):
    ref, got = tmp_path / "ref.db", tmp_path / "got.db"
    shutil.copy(db, ref)
    shutil.copy(db, got)
    expected = alone(ref, files, **{k: v for k, v in kw.items() if k != "workers"})
    assert batch(got, files, **kw) == expected
    assert dump(got) == dump(ref)
    return expected


@pytest.fixture(params=[1, 2], ids=["in-turn", "read-ahead"])
def workers(request, monkeypatch):
    """Small windows (a batch spans several, and a path listed twice falls in two), with files
    read in their turn (one process) or read ahead for a worker pool."""
    monkeypatch.setattr(pipeline, "LOG_WINDOW", 3)
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 2)
    return request.param


def listing(folder):
    return pipeline.collect([folder])


def test_a_changed_folder_imports_as_file_by_file(tmp_path, known, workers):
    db, folder = known
    results = both(tmp_path, db, listing(folder), workers=workers)
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in results}
    assert by_name["run3.gpx"]["status"] == "imported" and by_name["run3.gpx"]["replaced"] == 1
    assert by_name["run9.gpx"]["status"] == "imported"
    assert by_name["run0.gpx"]["reason"] == pipeline.SAME_FILE
    assert by_name["broken.fit"]["status"] == "failed"


def test_a_path_listed_twice(tmp_path, known, workers):
    """The first entry writes the path's row (new content, a new file); the second sees it."""
    db, folder = known
    files = listing(folder)
    changed, new = str(folder / "run3.gpx"), str(folder / "run9.gpx")
    files = [changed, changed, new, new, *files, new, changed, changed]
    results = both(tmp_path, db, files, workers=workers)
    assert [r["status"] for r in results[:4:2]] == ["imported", "imported"]
    again = [results[1], results[3], *results[-3:]]
    assert [(r["status"], r["reason"]) for r in again] == [("duplicate", pipeline.SAME_FILE)] * 5


def test_shoe_on_known_files(tmp_path, known, workers):
    db, folder = known
    results = both(tmp_path, db, listing(folder), shoe="Trail", workers=workers)
    notes = [n for r in results for n in r["notes"]]
    assert any(n.endswith("now counts on Trail") for n in notes)


def test_a_dry_run(tmp_path, known, workers):
    db, folder = known
    before = dump(db)
    files = listing(folder)
    both(tmp_path, db, [*files, files[0]], dry_run=True, workers=workers)
    assert dump(tmp_path / "got.db") == before


def test_a_known_folder_again_is_all_duplicates(tmp_path, known, workers):
    db, folder = known
    once = tmp_path / "once.db"
    shutil.copy(db, once)
    batch(once, listing(folder))
    results = both(tmp_path, once, listing(folder), workers=workers)
    assert {r["status"] for r in results} == {"duplicate", "failed"}  # failed: tried again
    # The activities of each file seen again are the ones stored under its row.
    store = open_store(tmp_path / "got.db")
    for r in results:
        if r["reason"] == pipeline.SAME_FILE:
            stored = store.q(
                "SELECT a.id FROM activities a JOIN files f ON f.id = a.file_id"
                " WHERE f.path = ? ORDER BY a.id",
                (r["path"],),
            )
            assert r["activities"] == [a["id"] for a in stored]
    store.close()
