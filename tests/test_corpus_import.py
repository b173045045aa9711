"""The whole shared corpus through `shoetrack import`: every file lands with the status the
manifest implies, every failure has a one-line reason, and re-importing changes nothing.

Skips when ../shared is absent on a developer's machine; in CI (CI=true) its absence fails.
"""

import json
import os

import pytest
from conftest import SHARED
from helpers import db_dump

CORPUS = SHARED / "corpus"
if not (CORPUS / "manifest.json").exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"corpus missing at {CORPUS} (CI must have ../shared)", pytrace=False)
    pytest.skip("shared corpus not present", allow_module_level=True)

MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
# Files that are byte-different but the same activity as another corpus file.
SAME_ACTIVITY = {
    "files/run.gpx.gz": "files/run.gpx",
    "files/garmin-fenix-5-run.fit.gz": "files/garmin-fenix-5-run.fit",
    # two damaged copies (bad CRC, truncated) of one recording: recovered, the second is a duplicate
    "files/activity-unexpected-eof.fit": "files/activity-filecrc.fit",
}


def test_corpus_imports_with_expected_statuses(st):
    st("shoe", "add", "Road", "--purchased", "1995-01-01", "--default-for", "run")
    st(
        "shoe",
        "add",
        "Walk",
        "--purchased",
        "1995-01-01",
        "--default-for",
        "walk",
        "--default-for",
        "hike",
    )
    r = st("import", "--json", CORPUS / "files", code=1)
    report = {os.path.relpath(f["path"], CORPUS): f for f in json.loads(r.stdout)["files"]}
    assert set(report) == {e["file"] for e in MANIFEST["files"]}
    for entry in MANIFEST["files"]:
        got = report[entry["file"]]
        if got["status"] == "failed" or got["reason"]:
            assert got["reason"] and "\n" not in got["reason"], entry["file"]
        if entry["kind"] == "not-activity":
            assert got["status"] == "not-activity", (entry["file"], got)
        elif entry["file"] in SAME_ACTIVITY or entry["file"] in SAME_ACTIVITY.values():
            assert got["status"] in (
                "imported",
                "duplicate",
                "failed" if entry["kind"] == "broken" else "-",
            ), (entry["file"], got)
        elif entry["kind"] == "broken":
            assert got["status"] in ("failed", "imported"), (entry["file"], got)
        elif "relative-start-time" in entry["tags"]:
            assert got["status"] == "failed" and "power-on" in got["reason"], (entry["file"], got)
        else:
            assert got["status"] == "imported", (entry["file"], got)
            # blue_hills.gpx holds hikes on three days: one activity per outing
            n = entry["expected"].get("num_sessions") or (
                3 if entry["file"].endswith("blue_hills.gpx") else 1
            )
            assert len(got["activities"]) == n, entry["file"]
    # Damaged or partial files that still import say so in the import log.
    assert (
        report["files/activity-filecrc.fit"]["status"],
        report["files/activity-filecrc.fit"]["reason"],
    ) == ("imported", "file CRC mismatch: the data may be corrupt")
    assert (
        report["files/WithGearChangeData.fit"]["reason"]
        == "no session message: totals rebuilt from records"
    )
    dups = {k for k, v in report.items() if v["status"] == "duplicate"}
    assert dups <= set(SAME_ACTIVITY) | set(SAME_ACTIVITY.values())
    assert len(dups) == 3  # each pair of twins imports once
    # A FIT run counts its device-recorded distance on the road pair, to the centimeter.
    acts = st.json("activities", "--limit", "0")
    fenix = [
        a
        for a in acts
        if a["file"]
        and a["file"].endswith("garmin-fenix-5-run.fit")
        or a["file"]
        and a["file"].endswith("garmin-fenix-5-run.fit.gz")
    ]
    assert [(a["distance_m"], a["shoe"], a["sport"]) for a in fenix] == [
        (pytest.approx(157.56, abs=0.005), "Road", "run")
    ]
    cross = [a for a in acts if a["sport"] in ("cycling", "swimming", "transition")]
    assert cross and all(a["shoe"] is None for a in cross)
    before = db_dump(st.db)
    st("import", CORPUS / "files", code=1)
    after = db_dump(st.db)
    assert {k: v for k, v in after.items() if k != "files"} == {
        k: v for k, v in before.items() if k != "files"
    }
    assert len(after["files"]) == len(before["files"])
