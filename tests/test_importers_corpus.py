"""Every file of the shared corpus against its manifest (../shared/corpus, or $SHOETRACK_CORPUS).

Skips when the corpus is absent, except under CI=true, where its absence is a failure.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

import importers
from importers import NotAnActivity, ParseError, Undatable
from importers.sports import text_sport

CORPUS = Path(
    os.environ.get("SHOETRACK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
MANIFEST = CORPUS / "manifest.json"

if not MANIFEST.is_file():
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError(f"corpus manifest not found at {MANIFEST} (required when CI=true)")
    pytest.skip(f"corpus not found at {CORPUS}", allow_module_level=True)

pytestmark = pytest.mark.corpus
ENTRIES = json.loads(MANIFEST.read_text())["files"]

# FIT sport names in the manifest -> canonical sport, given the sub_sport name.
FIT_SPORT = {
    "running": "run",
    "cycling": "cycling",
    "walking": "walk",
    "swimming": "swimming",
    "transition": "transition",
    "generic": "other",
    "hiking": "hike",
}
FIT_RUN_SUB = {
    "treadmill": "treadmill_run",
    "trail": "trail_run",
    "track": "track_run",
    "indoor_running": "treadmill_run",
}


def _utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _canonical_fit(sport, sub):
    if sport == "running":
        return FIT_RUN_SUB.get(sub, "run")
    return FIT_SPORT[sport]


def _one_line(exc: Exception) -> str:
    msg = str(exc)
    assert msg and "\n" not in msg
    return msg


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].split("/")[-1] for e in ENTRIES])
def test_corpus_file(entry):
    path = CORPUS / entry["file"]
    ex = entry["expected"]
    kind, fmt = entry["kind"], entry["format"]

    if kind == "not-activity":
        with pytest.raises(NotAnActivity) as err:
            importers.read(path)
        _one_line(err.value)
        return

    if entry["file"].endswith("compressed-speed-distance.fit"):
        with pytest.raises(Undatable, match="device power-on"):
            importers.read(path)
        return

    try:
        acts = importers.read(path)
    except ParseError as exc:
        assert kind == "broken", f"{entry['file']}: {exc}"
        _one_line(exc)
        return
    if kind == "broken":
        # Recovered where the data allows: must match the manifest's partial decode and say so.
        assert ex.get("sessions"), (
            f"{entry['file']} imported but the manifest has no partial values"
        )
        assert all(a.warnings for a in acts)

    for a in acts:
        assert a.start.tzinfo is not None
        assert a.source == fmt

    if fmt == "fit":
        sessions = ex["sessions"]
        if not sessions:  # no session message: rebuilt from records
            assert len(acts) == 1 and acts[0].recovered
            assert acts[0].distance_m == pytest.approx(ex["record_last_distance_m"], abs=0.005)
            assert acts[0].start == _utc(ex["first_record_time"])
            return
        assert len(acts) == ex["num_sessions"] == len(sessions)
        for a, s in zip(acts, sessions, strict=True):
            assert a.sport == _canonical_fit(s["sport"], s["sub_sport"])
            assert a.sub_sport == s["sub_sport"]
            assert a.start == _utc(s["start_time"])
            assert a.distance_m == pytest.approx(s["total_distance_m"], abs=0.005)
            assert a.elapsed_s == pytest.approx(s["total_elapsed_time_s"], abs=0.0005)
            if s["total_timer_time_s"] is None:
                assert a.moving_s is None
            else:
                assert a.moving_s == pytest.approx(s["total_timer_time_s"], abs=0.0005)
        assert any(a.has_gps for a in acts) == (ex["records_with_position"] > 0)

    elif fmt == "gpx":
        # Several outings (blue_hills.gpx: hikes on three days) split; the sum of their
        # distances is the file's haversine sum, and the first outing starts at the earliest point.
        outings = {"blue_hills.gpx": 3}.get(entry["file"].split("/")[-1], 1)
        assert len(acts) == outings
        assert [a.session_index for a in acts] == list(range(outings))
        assert sorted(a.start for a in acts) == [a.start for a in acts]
        assert sum(a.distance_m for a in acts) == pytest.approx(ex["haversine_m"], rel=0.001)
        start, end = _utc(ex["start_time"]), _utc(ex["end_time"])
        if start <= end:
            assert abs((acts[0].start - start).total_seconds()) < 1  # the manifest drops fractions
        else:  # tracks stored out of order (blue_hills.gpx): the earliest point wins
            assert acts[0].start <= min(start, end)
        types = [t for t in ex["track_types"] if t]
        for a in acts:
            if types:
                assert a.extra["gpx_type"] == types[0]
            raw = a.extra["gpx_type"]  # gpxpy skips GPX 1.0 <type>, so the manifest may lack it
            assert a.sport == (text_sport(raw) if raw else "run")
            assert a.sport_inferred == (not raw)
            assert a.has_gps

    elif fmt == "tcx":
        details = ex["activities_detail"]
        assert len(acts) == len(details)
        for a, d in zip(acts, details, strict=True):
            assert a.sport == text_sport(d["sport"])
            assert a.start == _utc(d["id"])
            assert a.distance_m == pytest.approx(d["lap_distance_sum"], abs=0.0005)
        if len(acts) == 1:
            assert acts[0].moving_s == pytest.approx(ex["lap_time_sum_s"], abs=0.0005)
        assert any(a.has_gps for a in acts) == (ex["trackpoints_with_position"] > 0)
