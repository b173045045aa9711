"""The dashboard in a real browser: Debian's headless chromium driven by Playwright, against the
real server on a free loopback port. Every page loads with no console error, page error or
failed request; clicking through the inbox and retiring a pair change the store exactly as the
same operations through the CLI change a copy of it. Screenshots are kept in
$SHOETRACK_ARTIFACTS/web (CI sets it), else in the test's tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import web_support as ws
from conftest_services import require

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "Python package playwright")
    require(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, "program chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox"],
        )
        yield b
        b.close()


class Watched:
    """A page that records every console error, page error, failed request and HTTP error."""

    def __init__(self, browser, base: str, artifacts: Path):
        self.base = base
        self.artifacts = artifacts
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}")
        )
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )
        self.requested: list[str] = []
        self.page.on("request", lambda r: self.requested.append(r.url))

    def go(self, path: str, shot: str | None = None):
        self.page.goto(self.base + path, wait_until="networkidle")
        if shot:
            self.artifacts.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(self.artifacts / f"{shot}.png"), full_page=True)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def built(st, tmp_path):
    ws.build(st, tmp_path)
    return st.db


@pytest.fixture
def artifacts(tmp_path):
    return Path(os.environ.get("SHOETRACK_ARTIFACTS") or tmp_path / "artifacts") / "web"


@pytest.fixture
def live(built, browser, artifacts):
    with ws.server(built) as srv:
        w = Watched(browser, f"http://127.0.0.1:{srv.port}", artifacts)
        yield w
        w.close()


def test_every_page_loads_with_no_errors(live, st):
    status = st.json("status", "--all")
    inbox = st.json("inbox")
    failed = st.json("imports", "--failed")
    page = live.go("/", shot="pairs")
    assert page.title() == "Pairs · shoetrack"
    assert [r.inner_text() for r in page.locator("#active tbody tr td:first-child a").all()] == [
        p["name"] for p in status
    ]
    peg = next(p for p in status if p["name"] == "Pegasus 40")
    row = page.locator(f"#pair-{peg['id']}")
    assert row.locator(".state").inner_text() == peg["state"] == "window"
    assert f"replace {peg['forecast_replace']}" in row.inner_text()
    for p in status:
        page = live.go(f"/pair/{p['id']}", shot=f"pair-{p['id']}")
        if p["name"] == "Pegasus 40":  # the picture for the README: what one screen shows
            page.screenshot(path=str(live.artifacts / "dashboard.png"))
        assert page.locator("h1").inner_text().startswith(p["name"])
        # The insight chart, with this pair's series (its SVG id is pair-<id>).
        assert page.locator(f"#chart svg g#pair-{p['id']}").count() == 1
        assert page.locator("table.acts tbody tr").count() == p["activities"]
    page = live.go("/inbox", shot="inbox")
    assert page.locator("table.inbox tbody tr").count() == len(inbox) > 0
    first = inbox[0]
    assert first["suggestion"]["reason"] in page.locator(f"#activity-{first['id']}").inner_text()
    page = live.go("/load", shot="load")
    assert page.locator("#chart svg").count() == 1
    page = live.go("/imports", shot="imports")
    assert page.locator("#failed tbody tr").count() == len(failed) == 1
    assert failed[0]["reason"] in page.locator("#failed").inner_text()
    live.go("/imports?failed=1")
    assert live.problems == []
    assert all(u.startswith(live.base) for u in live.requested), "every asset comes from the app"


def test_inbox_clicks_change_the_store_as_the_cli_does(live, st, built, tmp_path):
    twin = ws.copy_db(built, tmp_path / "twin.db")
    inbox = st.json("inbox")
    first, second = inbox[0], inbox[1]
    other = next(c for c in second["choices"] if c != second["suggestion"]["shoe"])
    page = live.go("/inbox")
    page.locator(f"#activity-{first['id']} button[name=accept]").click()
    page.wait_for_load_state("networkidle")
    assert (
        f"#{first['id']} -> {first['suggestion']['shoe']}" in page.locator(".messages").inner_text()
    )
    row = page.locator(f"#activity-{second['id']}")
    row.locator("select[name=shoe_id]").select_option(label=other)
    row.locator("button[name=assign]").click()
    page.wait_for_load_state("networkidle")
    live.go("/inbox", shot="inbox-after")
    # The same two choices through `inbox --pick`: Enter takes the suggestion, a digit a pair.
    digit = str(second["choices"].index(other) + 1)
    st("--db", twin, "inbox", "--pick", input="\n" + digit + "q")
    assert ws.assignments(built) == ws.assignments(twin)
    by_id = {a[0]: a for a in ws.assignments(built)}
    assert by_id[first["id"]][1:3] == (first["suggestion"]["shoe"], "inbox")
    assert by_id[second["id"]][1:3] == (other, "manual")
    assert live.problems == []


def test_accept_all_matches_inbox_accept(live, st, built, tmp_path):
    twin = ws.copy_db(built, tmp_path / "twin.db")
    before = ws.assignments(built)
    page = live.go("/inbox")
    page.locator("#accept-all button").click()
    page.wait_for_load_state("networkidle")
    st("--db", twin, "inbox", "--accept")
    assert ws.assignments(built) == ws.assignments(twin) != before
    assert "Assigned" in page.locator(".messages").inner_text()
    assert live.problems == []


def test_retire_and_edit_by_clicking_match_the_cli(live, st, built, tmp_path):
    twin = ws.copy_db(built, tmp_path / "twin.db")
    peg = next(p for p in st.json("status") if p["name"] == "Pegasus 40")
    page = live.go(f"/pair/{peg['id']}")
    page.fill("#edit input[name=warn]", "abc")
    page.click("#edit button[type=submit]")
    page.wait_for_load_state("networkidle")
    cli_error = st("--db", twin, "shoe", "edit", "pegasus", "--warn", "abc", code=2).stderr.strip()
    assert page.locator(".msg-error").inner_text() == cli_error  # the same one line
    assert ws.shoes(built) == ws.shoes(twin)  # and nothing changed
    page.fill("#edit input[name=warn]", "350mi")
    page.fill("#edit input[name=notes]", "race day only")
    page.click("#edit button[type=submit]")
    page.wait_for_load_state("networkidle")
    st("--db", twin, "shoe", "edit", "pegasus", "--warn", "350mi", "--notes", "race day only")
    page.fill("#retire input[name=date]", "2026-11-25")
    page.click("#retire button")
    page.wait_for_load_state("networkidle")
    assert "Retired Pegasus 40 from 2026-11-25." in page.locator(".messages").inner_text()
    live.go(f"/pair/{peg['id']}", shot="pair-retired")
    st("--db", twin, "shoe", "retire", "pegasus", "--date", "2026-11-25")
    assert ws.shoes(built) == ws.shoes(twin)
    assert ws.assignments(built) == ws.assignments(twin)
    page = live.go("/", shot="pairs-after-retire")
    assert page.locator(f"#retired #pair-{peg['id']}").count() == 1
    assert page.locator(f"#active #pair-{peg['id']}").count() == 0
    assert live.problems == []
