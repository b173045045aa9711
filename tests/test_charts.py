"""`shoetrack chart`: valid SVG and PNG files holding the expected series (found by the SVG ids
the chart code sets), the message when matplotlib is missing, and a CLI start-up that never
imports the chart or report libraries."""
from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities, shoes

pytest.importorskip("matplotlib")

MI = 1609.344
SVG = "{http://www.w3.org/2000/svg}"


pytestmark = pytest.mark.tz("UTC")  # the expected days are UTC calendar days


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))  # no font cache in the home dir


def run(store, shoe, days_ago: float, miles: float, sport="run") -> int:
    act = Activity(start=datetime.now(timezone.utc) - timedelta(days=days_ago), sport=sport,
                   distance_m=miles * MI, source="manual")
    return activities.add_and_attribute(store, act, shoe=shoe)[0]


@pytest.fixture
def history(store):
    """Two pairs worn lately and one idle; six weeks of 3 x 5 mi, then a 9 mi long run."""
    bought = date.today() - timedelta(days=80)
    a = shoes.add(store, "Alpha", purchased_on=bought, start_distance_m=100 * MI)
    b = shoes.add(store, "Bravo", purchased_on=bought, warn_at_m=200 * MI, replace_at_m=350 * MI)
    c = shoes.add(store, "Idle", purchased_on=bought)
    run(store, c, 75, 3)
    for day in range(3, 45, 2):
        run(store, a if day % 4 == 1 else b, day, 5)
    spike = run(store, a, 1, 9)
    return a, b, c, spike


def ids(root) -> set[str]:
    return {el.get("id") for el in root.iter() if el.get("id")}


def texts(root) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def test_pair_chart_svg_series(st, history, tmp_path):
    a, b, c, _ = history
    r = st("chart", "-o", tmp_path / "mileage.svg")
    assert r.stdout == f"Wrote {tmp_path / 'mileage.svg'} (distance per pair).\n"
    root = ET.parse(tmp_path / "mileage.svg").getroot()
    assert root.tag == f"{SVG}svg"
    found = ids(root)
    for s in (a, b, c):
        assert f"pair-{s.id}" in found
    # Alpha and Bravo were worn in the last 6 weeks: a forecast each; Idle has none.
    assert {f"forecast-{a.id}", f"forecast-{b.id}"} <= found and f"forecast-{c.id}" not in found
    # Two distinct windows (300-500 and 200-350 mi): two bands.
    assert {"band-0", "band-1"} <= found and "band-2" not in found
    labels = texts(root)
    for label in ("Alpha", "Bravo", "Idle", "Alpha forecast", "warn-replace window", "distance (mi)"):
        assert label in labels
    forecast = next(el for el in root.iter() if el.get("id") == f"forecast-{a.id}")
    style = " ".join(p.get("style", "") for p in forecast.iter(f"{SVG}path"))
    assert "stroke-dasharray" in style  # drawn dashed


def test_chart_of_named_pairs_only(st, history, tmp_path):
    a, b, c, _ = history
    st("--units", "km", "chart", "Bravo", "-o", tmp_path / "b.svg")
    root = ET.parse(tmp_path / "b.svg").getroot()
    assert {el for el in ids(root) if el.startswith("pair-")} == {f"pair-{b.id}"}
    assert "distance (km)" in texts(root)


def test_png_is_a_real_png_of_the_figure_size(st, history, tmp_path):
    st("chart", "-o", tmp_path / "mileage.png")
    data = (tmp_path / "mileage.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 675)  # 8 x 4.5 inches at 150 dpi
    assert data[-8:-4] == b"IEND"


def test_load_chart_marks_over_weeks_and_spikes(st, history, store, tmp_path):
    from shoetrack.config import Config
    from shoetrack.insight.load import compute

    *_, spike = history
    picture = compute(store, Config(), weeks=8)
    st("chart", "--load", "--weeks", "8", "-o", tmp_path / "load.svg")
    root = ET.parse(tmp_path / "load.svg").getroot()
    found = ids(root)
    bars = {f"week-{w.week_start}{'-over' if w.over_guideline else ''}" for w in picture.weeks}
    assert len(bars) == 8 and bars <= found
    # The 9 mi run; and the first run after Idle's lone run 75 days ago had no run in the 30 days
    # before it, if it falls in the eight weeks.
    assert spike in {s.id for s in picture.spikes}
    marks = {el for el in found if el.startswith("spike-marker-")}
    assert marks == {f"spike-marker-{s.id}" for s in picture.spikes}
    for s in picture.spikes:
        label = next(el for el in root.iter() if el.get("id") == f"spike-{s.id}")
        want = "first in 30 d" if s.excess is None else f"+{s.excess:.0%}"
        assert "".join(label.itertext()).strip() == want
    assert next(s for s in picture.spikes if s.id == spike).excess == pytest.approx(9 / 5 - 1)


def test_bad_output_and_pairs_with_load(st, history, tmp_path):
    r = st("chart", "-o", tmp_path / "chart.jpg", code=2)
    assert r.stderr == "Error: Invalid value for -o: the file must end in .svg or .png\n"
    r = st("chart", "Alpha", "--load", "-o", tmp_path / "c.svg", code=2)
    assert "--load charts every activity: name no pairs with it" in r.stderr
    r = st("chart", "Nobody", "-o", tmp_path / "c.svg", code=2)
    assert not (tmp_path / "c.svg").exists()


def test_missing_matplotlib_is_one_clear_line(st, history, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    r = st("chart", "-o", tmp_path / "c.svg", code=1)
    assert r.stderr == "Error: charts need: pip install 'shoetrack[charts]'\n"
    r = st("report", "-o", tmp_path / "r.html", code=1)
    assert r.stderr == "Error: charts need: pip install 'shoetrack[charts]'\n"
    assert not (tmp_path / "c.svg").exists() and not (tmp_path / "r.html").exists()


def test_cli_start_up_does_not_import_charts_or_reports():
    code = ("import sys; from shoetrack.cli import cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'jinja2') "
            "or m.startswith('shoetrack.insight')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
