"""Cross-checks against the reference parsers (fitparse, gpxpy) on files the project makes:
our FIT sessions equal fitparse's decoded session messages, our GPX distance is the haversine
sum that gpxpy's flat-earth length_2d approximates (within 0.2 %), and start times agree."""

import os
from datetime import timezone
from pathlib import Path

import pytest
from importer_fixtures import fit_run, gpx_doc, line_points

import importers

try:  # the reference parsers come with the `test` extra
    import fitparse
    import gpxpy
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("fitparse/gpxpy not installed (pip install -e '.[test]')", allow_module_level=True)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "activities"

MULTISPORT = [
    {"sport": 5, "sub_sport": 18, "distance_m": 1500.0, "elapsed_s": 1800},
    {"sport": 3, "sub_sport": 0, "distance_m": 200.0, "elapsed_s": 120},
    {"sport": 2, "sub_sport": 0, "distance_m": 40000.0, "elapsed_s": 4000},
    {"sport": 3, "sub_sport": 0, "distance_m": 150.0, "elapsed_s": 90},
    {"sport": 1, "sub_sport": 0, "distance_m": 10000.0, "elapsed_s": 2700, "timer_s": 2650},
]

FIT_CASES = {
    "run": fit_run(),
    "treadmill": fit_run(
        sessions=[{"sport": 1, "sub_sport": 1, "distance_m": 5000.0, "elapsed_s": 1600}],
        lat=None,
        lon=None,
    ),
    "big-endian": fit_run(big_endian=True),
    "compressed timestamps": fit_run(compressed=True),
    "triathlon": fit_run(sessions=MULTISPORT, records_per_session=50),
    "4 h at 1 Hz": fit_run(
        sessions=[{"sport": 1, "sub_sport": 3, "distance_m": 42195.0, "elapsed_s": 14400}],
        records_per_session=14400,
    ),
}
# (The writer's developer fields come without their field_description messages, which fitparse
# refuses, like the corpus's lezyne file; they are covered by tests/test_importers_fit.py.)
FIT_CASES.update({p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*.fit"))})


def fitparse_sessions(data: bytes):
    import io

    ff = fitparse.FitFile(io.BytesIO(data))
    return [{f.name: f.value for f in m.fields} for m in ff.get_messages("session")]


@pytest.mark.parametrize("name", sorted(FIT_CASES))
def test_fit_sessions_match_fitparse(name):
    data = FIT_CASES[name]
    ours = importers.read_bytes(data)
    ref = fitparse_sessions(data)
    assert len(ours) == len(ref)
    for a, s in zip(ours, ref, strict=True):
        assert a.start == s["start_time"].replace(tzinfo=timezone.utc)
        assert a.distance_m == pytest.approx(s["total_distance"], abs=0.005)
        assert a.elapsed_s == pytest.approx(s["total_elapsed_time"], abs=0.0005)
        assert a.moving_s == pytest.approx(s["total_timer_time"], abs=0.0005)
        assert a.sub_sport == (s["sub_sport"] if isinstance(s["sub_sport"], str) else a.sub_sport)


GPX_CASES = {
    "line": gpx_doc(line_points()).encode(),
    "two segments": gpx_doc(
        [], segments=[line_points(50), line_points(50, lat0=46.1, start="2026-03-14T08:30:00")]
    ).encode(),
    "diagonal 2 h": gpx_doc(line_points(1440, dlat=0.00009, step_s=5)).encode(),
}
GPX_CASES.update({p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*.gpx*"))})


@pytest.mark.parametrize("name", sorted(GPX_CASES))
def test_gpx_distance_and_start_match_gpxpy(name):
    data = GPX_CASES[name]
    [ours] = importers.read_bytes(data)
    raw = importers.gunzip(data) if data[:2] == b"\x1f\x8b" else data
    ref = gpxpy.parse(raw.decode("utf-8-sig"))
    # gpxpy's length_2d is a flat-earth approximation, 0.1 % longer than the haversine sum
    assert ours.distance_m == pytest.approx(ref.length_2d(), rel=0.002)
    assert ours.distance_m < ref.length_2d()
    assert ours.start == ref.get_time_bounds().start_time.astimezone(timezone.utc)
