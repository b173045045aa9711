"""Charts: the SVG is valid, self-contained and accessible XML whose series, read back through
its own axis ticks as a reader would, hold the store's values (steps per activity, the window
band at warn and replace, the forecast's end, one bar per week at its distance, a mark per spike)
in the user's units; PNG through matplotlib; and a CLI start-up that imports no chart library."""

from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from chart_reading import NS, by_id, ids, parse, path_points, tenth_px, texts, value_at

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.config import Config
from shoetrack.insight import charts, svg

MI = 1609.344
KM = 1000.0


pytestmark = pytest.mark.tz("UTC")  # the expected days are UTC calendar days


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))  # no font cache in the home dir


def run(store, shoe, days_ago: float, miles: float, sport="run") -> int:
    act = Activity(
        start=datetime.now(timezone.utc) - timedelta(days=days_ago),
        sport=sport,
        distance_m=miles * MI,
        source="manual",
    )
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


# --- the pair chart --------------------------------------------------------------------


def test_pair_chart_file_is_valid_self_contained_accessible_svg(st, history, tmp_path):
    a, b, c, _ = history
    r = st("chart", "-o", tmp_path / "mileage.svg")
    assert r.stdout == f"Wrote {tmp_path / 'mileage.svg'} (distance per pair).\n"
    raw = (tmp_path / "mileage.svg").read_text(encoding="utf-8")
    assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    root = ET.parse(tmp_path / "mileage.svg").getroot()
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.text == "Distance per pair over time"
    assert desc.text.startswith("Alpha: ") and "Warn-replace window 300 to 500 mi." in desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    # Nothing fetched: no scripts, images, links, stylesheets or fonts from elsewhere.
    for el in root.iter():
        assert el.tag.split("}")[1] not in ("script", "image", "a", "style", "foreignObject")
        assert not any("href" in k for k in el.attrib), el.attrib
    assert "url(" not in raw and "@import" not in raw
    found = ids(root)
    assert {f"pair-{s.id}" for s in (a, b, c)} <= found
    labels = texts(root)
    for label in (
        "Alpha",
        "Bravo",
        "Idle",
        "forecast at the recent pace",
        "warn–replace window",
        "distance (mi)",
        "Distance per pair",
    ):
        assert label in labels


def test_each_activity_is_a_step_up_to_the_pairs_total(st, history, store, tmp_path):
    from shoetrack.mileage import compute

    st("chart", "-o", tmp_path / "mileage.svg")
    root = ET.parse(tmp_path / "mileage.svg").getroot()
    value, tol = value_at(root), tenth_px(root)
    for status in compute(store, Config()):
        line = by_id(root, f"pair-{status.shoe.id}")
        points = path_points(line.find(f"{NS}path").get("d"))
        # The first day at the starting distance, a corner per activity, then flat to today.
        assert len(points) == 1 + 2 * (status.activities + 1)
        assert value(points[0][1]) == pytest.approx(status.shoe.start_distance_m / MI, abs=tol)
        assert value(points[-1][1]) == pytest.approx(status.total_m / MI, abs=tol)
        assert line.find(f"{NS}title").text == status.shoe.name
    alpha = path_points(by_id(root, "pair-1").find(f"{NS}path").get("d"))
    assert [round(value(y)) for _, y in alpha[2:8:2]] == [105, 110, 115]  # 5 mi steps


@pytest.mark.parametrize("units,factor", [("mi", MI), ("km", KM)])
def test_the_band_spans_warn_to_replace_in_the_users_units(st, history, tmp_path, units, factor):
    st("--units", units, "chart", "-o", tmp_path / "c.svg")
    root = ET.parse(tmp_path / "c.svg").getroot()
    value, tol = value_at(root), tenth_px(root)
    # Two windows, in order: Bravo's 200-350 mi and the default 300-500 mi; no third.
    assert "band-2" not in ids(root)
    for ident, (warn, replace) in (("band-0", (200, 350)), ("band-1", (300, 500))):
        rect = by_id(root, ident)
        top, height = float(rect.get("y")), float(rect.get("height"))
        assert value(top) == pytest.approx(replace * MI / factor, abs=tol)
        assert value(top + height) == pytest.approx(warn * MI / factor, abs=tol)
    assert f"distance ({units})" in texts(root)
    assert f"distance ({'km' if units == 'mi' else 'mi'})" not in texts(root)


def test_one_window_has_its_edges_named(st, history, tmp_path):
    st("--units", "km", "chart", "Alpha", "-o", tmp_path / "a.svg")
    root = ET.parse(tmp_path / "a.svg").getroot()
    assert {i for i in ids(root) if i.startswith("pair-")} == {"pair-1"}
    assert root.find(f"{NS}title").text == "Distance on Alpha over time"
    assert {"warn 483 km", "replace 805 km"} <= set(texts(root))


def test_the_forecast_is_drawn_only_for_a_pair_with_a_pace(st, history, store, tmp_path):
    from shoetrack.mileage import compute

    a, b, c, _ = history
    st("chart", "-o", tmp_path / "c.svg")
    root = ET.parse(tmp_path / "c.svg").getroot()
    value, tol = value_at(root), tenth_px(root)
    found = ids(root)
    assert {f"forecast-{a.id}", f"forecast-{b.id}"} <= found and f"forecast-{c.id}" not in found
    by_pair = {s.shoe.id: s for s in compute(store, Config())}
    for shoe in (a, b):
        s = by_pair[shoe.id]
        path = by_id(root, f"forecast-{shoe.id}").find(f"{NS}path")
        assert path.get("stroke-dasharray") == "6 4"
        (_, y0), (_, y1) = path_points(path.get("d"))
        days = min(84, (s.replace_m - s.total_m) / s.rate_m_per_day)
        assert value(y0) == pytest.approx(s.total_m / MI, abs=tol)
        assert value(y1) == pytest.approx((s.total_m + s.rate_m_per_day * days) / MI, abs=tol)
    # Idle alone: no pace, so no forecast and no forecast in the legend.
    st("chart", "Idle", "-o", tmp_path / "idle.svg")
    idle = ET.parse(tmp_path / "idle.svg").getroot()
    assert not any(i.startswith("forecast-") for i in ids(idle))
    assert "forecast at the recent pace" not in texts(idle)


def test_a_retired_pair_has_no_forecast_and_ends_on_its_last_day(store, history):
    a, *_ = history
    shoes.retire(store, a, on=date.today() - timedelta(days=10))
    chart = charts.pair_chart(store, [a.id])
    (series,) = chart.series
    assert series.forecast is None
    end = datetime.combine(date.today() - timedelta(days=10), datetime.min.time()).timestamp()
    assert series.steps[-1][0] == end


def test_names_are_escaped_and_the_output_is_stable(store):
    shoes.add(store, 'Fast & "light" <3')
    first = charts.pair_chart_svg(store, now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    again = charts.pair_chart_svg(store, now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    assert first == again
    root = parse(first)
    assert 'Fast & "light" <3' in texts(root)
    assert by_id(root, "pair-1").find(f"{NS}title").text == 'Fast & "light" <3'


def test_empty_charts_say_so(store):
    pairs, load = parse(charts.pair_chart_svg(store)), parse(charts.load_chart_svg(store))
    assert "No pairs yet" in texts(pairs) and "No activities yet" in texts(load)
    assert pairs.find(f"{NS}desc").text == "An empty chart: no pairs yet."


# --- the load chart --------------------------------------------------------------------


def test_load_chart_bars_and_spike_marks(st, history, store, tmp_path):
    from shoetrack.insight.load import compute

    *_, spike = history
    picture = compute(store, Config(), weeks=8)
    st("chart", "--load", "--weeks", "8", "-o", tmp_path / "load.svg")
    root = ET.parse(tmp_path / "load.svg").getroot()
    value, tol = value_at(root), tenth_px(root)
    bars = [el for el in root.iter(f"{NS}rect") if el.get("class", "").startswith("week")]
    assert [b.get("id") for b in bars] == [
        f"week-{w.week_start}{'-over' if w.over_guideline else ''}" for w in picture.weeks
    ]
    for bar, week in zip(bars, picture.weeks, strict=True):
        top = float(bar.get("y"))
        assert value(top) == pytest.approx(week.distance_m / MI, abs=tol)
        assert value(top + float(bar.get("height"))) == pytest.approx(0, abs=0.01)
        assert (bar.get("class") == "week over") == week.over_guideline
        assert bar.get("fill") == (charts.OVER if week.over_guideline else charts.WEEK)
    assert spike in {s.id for s in picture.spikes}
    assert {i for i in ids(root) if i.startswith("spike-marker-")} == {
        f"spike-marker-{s.id}" for s in picture.spikes
    }
    for s in picture.spikes:
        want = "first in 30 d" if s.excess is None else f"+{s.excess:.0%}"
        assert by_id(root, f"spike-label-{s.id}").text == want
    assert next(s for s in picture.spikes if s.id == spike).excess == pytest.approx(9 / 5 - 1)
    assert "distance on foot (mi)" in texts(root)
    legend = texts(root.find(f".//{NS}g[@class='legend']"))
    assert legend[0] == "weekly distance" and "run past the 30-day longest" in legend
    assert ("over +10% on the 4-week mean" in legend) == any(
        w.over_guideline for w in picture.weeks
    )


def test_marks_in_one_week_are_stacked_not_overlaid(store):
    shoe = shoes.add(store, "Solo", purchased_on=date.today() - timedelta(days=60))
    run(store, shoe, 50, 3)
    spikes = [run(store, shoe, days, miles) for days, miles in ((2.5, 4), (2.0, 6), (1.5, 8))]
    root = parse(charts.load_chart_svg(store, weeks=2))
    tips = [
        float(by_id(root, f"spike-marker-{i}").get("points").split()[2].split(",")[1])
        for i in spikes
    ]
    assert len(set(tips)) == 3
    assert min(tips) > 0  # every mark inside the picture


def test_load_chart_in_km(store, history):
    root = parse(charts.load_chart_svg(store, units="km"))
    assert "distance on foot (km)" in texts(root) and "distance on foot (mi)" not in texts(root)


# --- the SVG writer ------------------------------------------------------------------------


def test_value_ticks_are_round_and_cover_the_top():
    assert svg.value_ticks(512.3) == ([0, 100, 200, 300, 400, 500, 600], 600)
    assert svg.value_ticks(3.2) == ([0.0, 1.0, 2.0, 3.0, 4.0], 4.0)
    assert svg.value_ticks(0.4)[0] == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert svg.value_label(1500, 500) == "1,500" and svg.value_label(0.25, 0.05) == "0.25"
    assert svg.num(-0.04) == "0" and svg.num(12.0) == "12" and svg.num(3.25) == "3.2"


@pytest.mark.tz("America/New_York")
def test_time_ticks_fall_on_local_calendar_boundaries():
    def ticks(a, b):
        return svg.time_ticks(
            datetime.fromisoformat(a).timestamp(), datetime.fromisoformat(b).timestamp()
        )

    months = ticks("2026-01-05", "2026-12-20")  # across both daylight-saving changes
    assert [label for _, label in months] == [
        "Mar 2026",
        "May 2026",
        "Jul 2026",
        "Sep 2026",
        "Nov 2026",
    ]
    assert all(datetime.fromtimestamp(t).time() == datetime.min.time() for t, _ in months)
    years = ticks("2018-03-01", "2026-12-01")
    assert [label for _, label in years] == ["2020", "2022", "2024", "2026"]
    weeks = ticks("2026-11-01", "2026-11-20")
    assert [label for _, label in weeks] == ["Nov 02", "Nov 09", "Nov 16"]  # Mondays


# --- PNG, and what the CLI loads ------------------------------------------------------


def test_png_is_a_real_png_of_the_figure_size(st, history, tmp_path):
    pytest.importorskip("matplotlib")
    for args, name in (([], "mileage.png"), (["--load"], "load.png")):
        st("chart", *args, "-o", tmp_path / name)
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        assert (width, height) == (1200, 675)  # 8 x 4.5 inches at 150 dpi
        assert data[-8:-4] == b"IEND"


def test_bad_output_and_pairs_with_load(st, history, tmp_path):
    r = st("chart", "-o", tmp_path / "chart.jpg", code=2)
    assert r.stderr == "Error: Invalid value for -o: the file must end in .svg or .png\n"
    r = st("chart", "Alpha", "--load", "-o", tmp_path / "c.svg", code=2)
    assert "--load charts every activity: name no pairs with it" in r.stderr
    r = st("chart", "Nobody", "-o", tmp_path / "c.svg", code=2)
    assert not (tmp_path / "c.svg").exists()


def test_without_matplotlib_svg_and_the_report_work_and_png_says_why(
    st, history, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    st("chart", "-o", tmp_path / "c.svg")
    assert parse((tmp_path / "c.svg").read_text(encoding="utf-8")) is not None
    st("report", "-o", tmp_path / "r.html")
    r = st("chart", "-o", tmp_path / "c.png", code=1)
    assert r.stderr == f"Error: {charts.PNG_MISSING}\n"
    assert not (tmp_path / "c.png").exists()


def test_cli_start_up_does_not_import_charts_or_reports():
    code = (
        "import sys; from shoetrack.cli import cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'jinja2') "
        "or m.startswith('shoetrack.insight')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_svg_charts_do_not_import_matplotlib(tmp_path):
    code = (
        "import sys; from shoetrack.store import open_store; from shoetrack.insight import charts; "
        f"s = open_store({str(tmp_path / 'x.db')!r}); charts.pair_chart_svg(s); charts.load_chart_svg(s); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
