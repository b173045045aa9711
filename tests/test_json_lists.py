"""Long `--json` listings are written as they are read, with the same text as one dump of the list;
long plain tables are written in blocks, with the same text as line by line."""

import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from shoetrack import activities
from shoetrack.cli.base import emit_json_list, table
from shoetrack.cli.importing import log_sql
from shoetrack.store import open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "activities"


def dumped(obj) -> str:
    """What the CLI printed for a list before listings streamed: one dump, then a newline."""
    return json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n"


def streamed(items, rows=False) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        emit_json_list(items, rows=rows)
    return out.getvalue()


ROW = {
    "id": 1,
    "name": "Lundi\nmatin \u2028 “quoted” \\ é }, {",
    "x": None,
    "d": 5000.5,
    "ok": True,
    "no": False,
    "big": math.inf,
    "path": Path("/runs/a.fit"),
}


@pytest.mark.parametrize("n", [0, 1, 2, 511, 512, 513, 1500])
def test_rows_same_text_as_one_dump(n):
    """SQL rows, encoded a batch at a time (batches of 512)."""
    items = [{**ROW, "id": i} for i in range(n)]
    assert streamed(iter(items), rows=True) == dumped(items)


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{}],
        [{"id": 1}],
        [
            {
                "id": 1,
                "name": "Lundi\nmatin \u2028 “quoted” \\ é",
                "x": None,
                "d": 5000.5,
                "ok": True,
                "no": False,
                "big": math.inf,
                "path": Path("/runs/a.fit"),
            }
        ],
        [
            {"nested": {"a": [1, {"b": []}]}, "empty": {}},
            [1, [2, 3]],
            "text",
            7,
            None,
            {"a": 1, "pair": (1, 2)},
        ],
    ],
    ids=["empty", "empty-dict", "one-key", "flat-row", "nested"],
)
def test_same_text_as_one_dump(items):
    assert streamed(iter(items)) == dumped(items)


def test_items_are_written_before_the_last_is_read():
    """A listing is printed as its rows come: when reading fails half-way, the first rows are
    already out (a list built first would have printed nothing)."""

    def rows():
        for i in range(1000):
            yield {"id": i}
        raise RuntimeError("the read failed")

    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(RuntimeError):
        emit_json_list(rows())
    assert out.getvalue().startswith('[\n  {\n    "id": 0\n  },\n  {\n    "id": 1\n  }')
    assert out.getvalue().count('"id"') >= 512


@pytest.fixture
def history(st, tmp_path):
    """A pair, runs logged by hand (one with a note full of odd characters), examples imported,
    and a file that failed."""
    st("shoe", "add", "Pegasus", "--default-for", "run", "--purchased", "2025-01-01")
    st("log", "10k", "--date", "2026-03-01", "--note", "Lundi\nmatin “fast” é \\ end")
    st("log", "5k", "--date", "2026-03-02", "--sport", "walk")
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"not a fit file at all" * 10)
    st("import", EXAMPLES, code=0)
    st("import", bad, code=1)
    return st


def test_activities_json_is_the_old_dump(history):
    store = open_store(history.db)
    rows = activities.query(store)
    assert len(rows) >= 5
    expected = dumped(
        [
            {
                **r,
                "ignored": bool(r["ignored"]),
                "recovered": bool(r["recovered"]),
                "sport_inferred": bool(r["sport_inferred"]),
            }
            for r in rows
        ]
    )
    assert history("activities", "--json", "--limit", "0").stdout == expected
    assert json.loads(expected)[-1]["note"] == "Lundi\nmatin “fast” é \\ end"
    assert history("activities", "--json", "--shoe", "Nope", code=2).stdout == ""
    assert history("activities", "--json", "--sport", "hike").stdout == "[]\n"


@pytest.mark.parametrize("args, failed", [((), False), (("--failed",), True)])
def test_imports_json_is_the_old_dump(history, args, failed):
    store = open_store(history.db)
    rows = store.q(log_sql(failed, None))
    assert [r["status"] for r in rows].count("failed") == 1
    assert len(rows) == (1 if failed else 7)  # six examples and the broken file
    expected = dumped([{**r, "retry": bool(r["retry"])} for r in rows])
    assert history("imports", *args, "--json", "--limit", "0").stdout == expected


def test_inbox_json_is_the_old_dump(history):
    from shoetrack.attribution import inbox

    store = open_store(history.db)
    expected = dumped([e.to_json() for e in inbox.entries(store)])
    assert json.loads(expected), "the examples leave runs waiting in the inbox"
    assert history("inbox", "--json").stdout == expected


def _plan(store, sql: str) -> str:
    return "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql))


@pytest.mark.parametrize("failed", [False, True])
@pytest.mark.parametrize("limit", [50, None])
def test_the_import_log_is_read_in_index_order(store, failed, limit):
    """Newest first comes from an index, not a sort of the whole log in a temporary B-tree, on a
    log SQLite has statistics for."""
    store.conn.executemany(
        "INSERT INTO files (path, status, imported_at) VALUES (?, ?, ?)",
        [
            (
                f"/r/{i}.fit",
                "failed" if i % 7 == 0 else "imported",
                f"2026-01-01T00:{i % 60:02d}:00Z",
            )
            for i in range(2000)
        ],
    )
    store.conn.commit()
    store.conn.execute("ANALYZE")
    plan = _plan(store, log_sql(failed, limit))
    assert "USE TEMP B-TREE" not in plan
    index = "files_status_imported_at (status=?)" if failed else "files_imported_at"
    assert f"USING INDEX {index}" in plan
    rows = store.q(log_sql(failed, limit))
    keys = [(r["imported_at"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert len(rows) == (limit or (286 if failed else 2000))


def test_the_activity_listing_is_read_in_index_order(store):
    plan = _plan(store, activities.LIST_SQL + " ORDER BY a.start DESC, a.id DESC")
    assert "USE TEMP B-TREE" not in plan and "SCAN a USING INDEX activities_start" in plan


@pytest.mark.parametrize("n", [0, 1, 998, 999, 1000, 2501])
def test_a_long_table_is_the_same_text_as_line_by_line(n):
    """Blocks of 1000 lines (headers and rule included): every row once, in order, each line
    padded as before and without trailing spaces."""
    rows = [[i, "run" if i % 2 else None, f"{i * 1.5:.1f}"] for i in range(n)]
    out = io.StringIO()
    with redirect_stdout(out):
        table(rows, ["id", "pair", "km"], align="rll")
    if n == 0:
        assert out.getvalue() == ""
        return
    w = max(2, len(str(n - 1)))
    kw = max(2, len(f"{(n - 1) * 1.5:.1f}"))
    want = [f"{'id':>{w}}  pair  km".rstrip(), f"{'-' * w}  ----  {'-' * kw}"]
    want += [f"{i:>{w}}  {'run' if i % 2 else '':<4}  {i * 1.5:.1f}".rstrip() for i in range(n)]
    assert out.getvalue() == "\n".join(want) + "\n"
