"""The sample files in examples/activities/ import with the values generate.py gave them."""

from __future__ import annotations

from pathlib import Path

import pytest

import importers

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "activities"
EXPECTED = {
    "2026-04-12-road-run.fit": ("run", 8046.72, True),
    "2026-04-15-treadmill.fit": ("treadmill_run", 5000.0, False),
    "2026-04-18-ride.fit": ("cycling", 30250.4, True),
    "2026-04-20-trail-run.gpx": ("trail_run", None, True),
    "2026-04-23-run.tcx": ("run", None, True),
    "2026-04-26-easy-run.gpx.gz": ("run", None, True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_file(name):
    sport, distance, gps = EXPECTED[name]
    (a,) = importers.read(EXAMPLES / name)
    assert a.sport == sport and a.has_gps == gps
    assert a.start.year == 2026 and a.warnings == []
    if distance is not None:
        assert a.distance_m == pytest.approx(distance, abs=0.005)
    else:
        assert 3000 < a.distance_m < 10000
    assert (EXAMPLES / name).stat().st_size < 100_000
