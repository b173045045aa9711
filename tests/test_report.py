"""`shoetrack report`: one self-contained HTML file, checked as text and in a real headless
browser (Debian's chromium through Playwright): no console error, page error or request beyond
the file itself; every active pair and both charts shown; no sideways scroll on a phone; a print
layout without the navigation. A screenshot is kept under $SHOETRACK_ARTIFACTS (or tmp_path)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import chart_reading as cr
import pytest
from conftest_services import require

from importers.model import Activity
from shoetrack import activities, shoes

pytest.importorskip("jinja2")

MI = 1609.344
CHROMIUM = "/usr/bin/chromium"


pytestmark = pytest.mark.tz("UTC")  # the expected days are UTC calendar days


def run(store, shoe, days_ago: float, miles: float, sport="run"):
    act = Activity(
        start=datetime.now(timezone.utc) - timedelta(days=days_ago),
        sport=sport,
        distance_m=miles * MI,
        source="manual",
        elapsed_s=3600,
    )
    return activities.add_and_attribute(store, act, shoe=shoe)[0]


@pytest.fixture
def report(st, store, tmp_path) -> Path:
    bought = date.today() - timedelta(days=90)
    a = shoes.add(
        store,
        "Alpha <fast>",
        brand="Nike",
        model="Pegasus",
        purchased_on=bought,
        start_distance_m=250 * MI,
        cost=130.0,
    )
    b = shoes.add(store, "Bravo", purchased_on=bought)
    shoes.add(store, "New pair", purchased_on=date.today())
    old = shoes.add(
        store,
        "Retired one",
        brand="Hoka",
        model="Clifton",
        purchased_on=date(2025, 1, 1),
        start_distance_m=480 * MI,
        cost=140.0,
    )
    shoes.retire(store, old, on=date(2025, 11, 1))
    for day in range(2, 80, 2):
        run(store, a if day % 3 else b, day, 4 + day % 5)
    run(store, None, 5, 20, sport="cycling")
    path = tmp_path / "report.html"
    r = st("report", "-o", path)
    assert r.stdout == f"Wrote {path}.\n"
    return path


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs, self.pairs = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href", "xlink:href", "data"):
            if a.get(key):
                self.refs.append(a[key])
        if "data-pair" in a:
            self.pairs.append(a["data-pair"])


def test_report_is_one_self_contained_file(report):
    html = report.read_text(encoding="utf-8")
    page = Collect()
    page.feed(html)
    assert page.tags.count("svg") == 2
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert all(ref.startswith("#") for ref in page.refs), page.refs  # nothing outside the file
    assert "url(" not in html.split("</style>")[0]  # no fonts or images fetched by the CSS
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html and "@media (max-width: 40rem)" in html
    assert page.pairs == ["Alpha <fast>", "Bravo", "New pair"]  # active pairs, escaped safely
    assert "Alpha &lt;fast&gt;" in html and "Alpha <fast>" not in html
    assert "Hoka Clifton" in html  # the retired pair in the by-model table
    # The charts the dashboard and `shoetrack chart` draw: valid SVG, each with its own title.
    pairs, load = cr.svg_in(html, "chart-pairs"), cr.svg_in(html, "chart-load")
    assert pairs.find(f"{cr.NS}title").text == "Distance per pair over time"
    assert {"pair-1", "pair-2", "pair-3", "band-0"} <= cr.ids(pairs)
    assert "Alpha <fast>" in cr.texts(pairs)  # escaped in the HTML, the same name once parsed
    assert len(cr.bars(load)) == 12
    every = re.findall(r'\sid="([^"]+)"', html)
    assert len(every) == len(set(every)), "an id used twice in one page"


def test_report_of_an_empty_database(st, tmp_path):
    st("report", "-o", tmp_path / "empty.html")
    html = (tmp_path / "empty.html").read_text(encoding="utf-8")
    page = Collect()
    page.feed(html)
    assert page.tags.count("svg") == 2 and page.pairs == []
    assert "No pairs yet: add one with" in html and html.count("No activities yet") == 2


def test_report_rejects_an_unwritable_path(st, tmp_path):
    r = st("report", "-o", tmp_path / "missing-dir" / "r.html", code=1)
    assert r.stderr.startswith(f"Error: cannot write {tmp_path / 'missing-dir' / 'r.html'}: ")
    assert len(r.stderr.splitlines()) == 1


def _artifacts(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SHOETRACK_ARTIFACTS") or tmp_path / "artifacts")
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_report_in_a_real_browser(report, tmp_path):
    require(shutil.which("chromium") is not None and os.path.exists(CHROMIUM), "program chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Python package playwright")
    problems, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on(
                "console",
                lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="networkidle")
            assert page.title().startswith("shoetrack report ")
            for name in ("Alpha <fast>", "Bravo", "New pair"):
                row = page.locator("tr[data-pair]", has_text=name)
                assert row.count() == 1 and row.first.is_visible(), name
            assert page.locator("tr[data-pair]", has_text="Retired one").count() == 0
            for chart in ("#chart-pairs svg", "#chart-load svg"):
                box = page.locator(chart).bounding_box()
                assert box and box["width"] > 500 and box["height"] > 250, (chart, box)
            assert page.locator('#chart-pairs [id="pair-1"]').count() == 1
            assert page.locator("#load table tbody tr").count() >= 12
            shot = _artifacts(tmp_path) / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"report screenshot: {shot}")
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.on("pageerror", lambda e: problems.append(f"phone page error: {e}"))
            phone.goto(report.as_uri(), wait_until="networkidle")
            sideways = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 0, f"the page scrolls sideways by {sideways}px on a phone"
            assert phone.locator("#chart-load svg").bounding_box()["width"] <= 390
            phone.screenshot(path=str(_artifacts(tmp_path) / "report-phone.png"))

            page.emulate_media(media="print")
            assert not page.locator("header.top nav").is_visible()
            pdf = page.pdf(format="A4")
            assert pdf[:5] == b"%PDF-"
        finally:
            browser.close()
    assert problems == []
    assert set(requests) == {report.as_uri()}  # the file itself and nothing else
