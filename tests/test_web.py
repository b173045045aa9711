"""The dashboard without a browser: its guard (Host header, CSRF token, access token,
read-only), its one-line errors (the CLI's), and its answers while another process writes.
Requests go through Flask's test client or, where the server itself matters, to the real
server over loopback."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
from pathlib import Path

import chart_reading as cr
import pytest
import web_support as ws
from helpers import db_dump


@pytest.fixture
def built(st, tmp_path):
    ws.build(st, tmp_path)
    return st.db


@pytest.fixture
def web(built):
    return ws.client(built)


def inbox_form(c, index: int = 0) -> tuple[str, str]:
    """(action URL, suggested pair id) of the index-th Accept button on the inbox page."""
    html = c.get("/inbox").get_data(as_text=True)
    found = re.findall(r'action="(/inbox/\d+/accept)".*?name="shoe_id" value="(\d+)"', html, re.S)
    return found[index]


def messages(c, resp) -> list[str]:
    """The one-line messages on the page a POST redirected to."""
    assert resp.status_code == 303, resp.get_data(as_text=True)
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    import html

    return [html.unescape(m) for m in re.findall(r'<p class="msg msg-\w+"[^>]*>(.*?)</p>', page)]


# --- the guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8765",
        "rebind.attacker.test:8765",
        "localhost:9999",
        "127.0.0.1",
        "127.0.0.1:8765.evil.example",
    ],
)
def test_a_foreign_host_header_is_refused(web, built, host):
    c, guard = web
    before = db_dump(built)
    page = c.get("/", headers={"Host": host})
    assert page.status_code == 400
    assert "refused: this server answers only to 127.0.0.1:8765 or localhost:8765" in page.get_data(
        as_text=True
    )
    action, shoe_id = inbox_form(c)
    resp = c.post(action, headers={"Host": host}, data={"csrf": guard.csrf, "shoe_id": shoe_id})
    assert resp.status_code == 400
    assert db_dump(built) == before


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "[::1]:8765"]
)
def test_loopback_names_are_accepted(web, host):
    c, _ = web
    assert c.get("/", headers={"Host": host}).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(web, built):
    c, guard = web
    action, shoe_id = inbox_form(c)
    before = db_dump(built)
    for data in (
        {"shoe_id": shoe_id},
        {"shoe_id": shoe_id, "csrf": ""},
        {"shoe_id": shoe_id, "csrf": guard.csrf[:-1] + "x"},
    ):
        resp = c.post(action, data=data)
        assert resp.status_code == 403
        assert "refused: the form is missing its token" in resp.get_data(as_text=True)
    assert db_dump(built) == before
    resp = c.post(action, data={"shoe_id": shoe_id, "csrf": guard.csrf})
    assert resp.status_code == 303
    assert db_dump(built) != before


def test_a_post_from_another_site_is_refused_even_with_the_token(web, built):
    c, guard = web
    action, shoe_id = inbox_form(c)
    before = db_dump(built)
    for origin in (
        "http://evil.example",
        "null",
        "http://127.0.0.1:9999",
        "https://127.0.0.1:8765",
    ):
        resp = c.post(
            action, headers={"Origin": origin}, data={"shoe_id": shoe_id, "csrf": guard.csrf}
        )
        assert resp.status_code == 403, origin
    assert db_dump(built) == before
    resp = c.post(
        action,
        headers={"Origin": "http://127.0.0.1:8765"},
        data={"shoe_id": shoe_id, "csrf": guard.csrf},
    )
    assert resp.status_code == 303


def test_actions_are_post_only(web):
    c, _ = web
    action, _ = inbox_form(c)
    assert c.get(action).status_code == 405
    assert c.get("/pair/1/retire").status_code == 405


def test_read_only_serves_pages_and_refuses_every_action(built):
    c, guard = ws.client(built, read_only=True)
    before = db_dump(built)
    for path in ("/", "/pair/1", "/pair/2", "/inbox", "/load", "/imports"):
        page = c.get(path)
        assert page.status_code == 200, path
        assert "<form" not in page.get_data(as_text=True), path  # no action is offered
    rules = [r for r in c.client.application.url_map.iter_rules() if "POST" in r.methods]
    assert len(rules) == 7
    for rule in rules:
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        resp = c.post(
            url,
            data={
                "csrf": guard.csrf,
                "shoe_id": "1",
                "date": "2026-11-01",
                "ids": "1,2",
                "name": "X",
            },
        )
        assert resp.status_code == 403, url
        assert "refused: this dashboard is read-only" in resp.get_data(as_text=True)
    assert db_dump(built) == before


def test_host_mode_requires_the_printed_token(built):
    c, guard = ws.client(built, host="0.0.0.0")
    assert guard.token and len(guard.token) >= 24
    assert guard.url() == f"http://127.0.0.1:{ws.PORT}/?token={guard.token}"
    # Neither page nor action without it, whatever the client's address.
    assert c.get("/").status_code == 403
    assert c.get("/", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 403
    assert c.get("/?token=wrong").status_code == 403
    assert c.post("/inbox/accept-all", data={"csrf": guard.csrf, "ids": "1"}).status_code == 403
    # Once given, it moves from the address to a cookie.
    resp = c.get(f"/inbox?token={guard.token}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/inbox"
    assert f"shoetrack_token_{ws.PORT}={guard.token}" in resp.headers["Set-Cookie"]
    assert (
        "HttpOnly" in resp.headers["Set-Cookie"] and "SameSite=Strict" in resp.headers["Set-Cookie"]
    )
    assert c.get("/inbox").status_code == 200
    # A wildcard bind answers to a bare address (DNS rebinding always carries a name) ...
    assert (
        c.get(f"/?token={guard.token}", headers={"Host": f"192.168.1.5:{ws.PORT}"}).status_code
        == 303
    )
    # ... but not to someone else's name.
    assert (
        c.get(f"/?token={guard.token}", headers={"Host": f"evil.example:{ws.PORT}"}).status_code
        == 400
    )


def test_an_explicit_host_name_is_the_only_extra_name(built):
    c, guard = ws.client(built, host="myhost.lan")
    assert guard.host_ok(f"myhost.lan:{ws.PORT}") and guard.host_ok(f"localhost:{ws.PORT}")
    assert not guard.host_ok(f"192.168.1.5:{ws.PORT}")
    assert not guard.host_ok(f"otherhost.lan:{ws.PORT}")


def test_loopback_host_needs_no_token(built):
    _, guard = ws.client(built, host="127.0.0.1")
    assert guard.token is None


# --- the same answers and errors as the CLI --------------------------------------------------


def test_accept_records_the_suggestion_as_taken(web, built, st):
    c, guard = web
    entries = st.json("inbox")
    action, shoe_id = inbox_form(c)
    resp = c.post(action, data={"csrf": guard.csrf, "shoe_id": shoe_id})
    first = entries[0]
    assert messages(c, resp) == [f"#{first['id']} -> {first['suggestion']['shoe']}"]
    row = next(a for a in ws.assignments(built) if a[0] == first["id"])
    assert row == (first["id"], first["suggestion"]["shoe"], "inbox", 0)
    # Again: the run left the inbox, and the page says so as the CLI would.
    resp = c.post(action, data={"csrf": guard.csrf, "shoe_id": shoe_id})
    assert messages(c, resp) == [f"Error: activity #{first['id']} is no longer in the inbox"]


def test_ignore_leaves_the_run_off_every_pair(web, built, st):
    c, guard = web
    first = st.json("inbox")[0]
    resp = c.post(f"/inbox/{first['id']}/ignore", data={"csrf": guard.csrf})
    assert messages(c, resp)[0].startswith(f"#{first['id']} ignored: it will never count")
    assert next(a for a in ws.assignments(built) if a[0] == first["id"]) == (
        first["id"],
        None,
        None,
        1,
    )
    assert first["id"] not in [e["id"] for e in st.json("inbox")]


@pytest.mark.parametrize(
    "field,value,cli",
    [
        ("warn", "abc", ["--warn", "abc"]),
        ("replace", "-3mi", ["--replace", "-3mi"]),
        ("start_distance", "lots", ["--start-distance", "lots"]),
        ("purchased", "2026-13-01", ["--purchased", "2026-13-01"]),
        ("purchased", "2999-01-01", ["--purchased", "2999-01-01"]),
        ("warn", "600mi", ["--warn", "600mi"]),  # past the replace distance
        ("default_for", "underwater", ["--default-for", "underwater"]),  # a forged form
    ],
)
def test_bad_form_input_gets_the_cli_error_and_changes_nothing(web, built, st, field, value, cli):
    c, guard = web
    cli_error = st("shoe", "edit", "pegasus", *cli, code=2).stderr.strip()
    before = db_dump(built)
    form = dict(ws_form(c, 1), csrf=guard.csrf)
    form[field] = value
    assert messages(c, c.post("/pair/1/edit", data=form)) == [cli_error]
    assert db_dump(built) == before


def ws_form(c, shoe_id: int) -> dict:
    """The edit form's fields as the page shows them."""
    html = c.get(f"/pair/{shoe_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/pair/\d+/edit".*?</form>', html, re.S).group(0)
    import html as h

    values = {n: h.unescape(v) for n, v in re.findall(r'<input name="(\w+)" value="([^"]*)"', form)}
    values["default_for"] = re.findall(r'name="default_for" value="(\w+)" checked', form)
    return values


def test_an_unchanged_form_changes_nothing(web, built):
    c, guard = web
    before = db_dump(built)
    assert messages(c, c.post("/pair/1/edit", data=dict(ws_form(c, 1), csrf=guard.csrf))) == [
        "Nothing changed."
    ]
    assert db_dump(built) == before


def test_edit_and_rename_match_the_cli(web, built, st, tmp_path):
    c, guard = web

    twin = ws.copy_db(built, tmp_path / "twin.db")
    form = dict(
        ws_form(c, 1),
        csrf=guard.csrf,
        name="Pegasus 40 (old)",
        replace="520mi",
        cost="129.5",
        max_age="8",
        default_for=["run", "treadmill_run"],
    )
    lines = messages(c, c.post("/pair/1/edit", data=form))
    assert lines[0] == "Updated Pegasus 40 (old)."
    st("--db", twin, "shoe", "rename", "pegasus", "Pegasus 40 (old)")
    st(
        "--db",
        twin,
        "shoe",
        "edit",
        "pegasus",
        "--replace",
        "520mi",
        "--cost",
        "129.5",
        "--max-age",
        "8",
        "--default-for",
        "run",
        "--default-for",
        "treadmill_run",
    )
    assert ws.shoes(built) == ws.shoes(twin)
    # A name that is taken: the CLI's error, and neither the rename nor the rest happened.
    before = db_dump(built)
    cli_error = st("--db", twin, "shoe", "rename", "pegasus", "Novablast 4", code=1).stderr.strip()
    form = dict(ws_form(c, 1), csrf=guard.csrf, name="Novablast 4", notes="should not stay")
    assert messages(c, c.post("/pair/1/edit", data=form)) == [cli_error]
    assert db_dump(built) == before


def test_retire_errors_are_the_cli_errors(web, built, st):
    c, guard = web
    for date, code in (("2999-01-01", 2), ("someday", 2)):
        cli_error = st("shoe", "retire", "speedgoat", "--date", date, code=code).stderr.strip()
        assert messages(c, c.post("/pair/3/retire", data={"csrf": guard.csrf, "date": date})) == [
            cli_error
        ]
    assert messages(c, c.post("/pair/3/retire", data={"csrf": guard.csrf, "date": "2026-11-01"}))[
        0
    ] == ("Retired Speedgoat 5 from 2026-11-01.")
    cli_error = st("shoe", "retire", "speedgoat", code=1).stderr.strip()
    assert messages(c, c.post("/pair/3/retire", data={"csrf": guard.csrf, "date": ""})) == [
        cli_error
    ]
    assert (
        messages(c, c.post("/pair/3/unretire", data={"csrf": guard.csrf}))[0]
        == "Speedgoat 5 is in use again."
    )


def test_unknown_pair_is_not_found(web):
    c, guard = web
    assert c.get("/pair/999").status_code == 404
    assert "no pair with id 999" in c.get("/pair/999").get_data(as_text=True)
    assert messages(c, c.post("/inbox/1/assign", data={"csrf": guard.csrf, "shoe_id": "999"})) == [
        "Error: no pair with id 999"
    ]
    assert messages(c, c.post("/inbox/1/assign", data={"csrf": guard.csrf, "shoe_id": "x"})) == [
        "Error: choose a pair"
    ]


def test_pages_show_what_the_cli_shows(web, st):
    c, _ = web
    pairs = c.get("/").get_data(as_text=True)
    for p in st.json("status"):
        assert f'<a href="/pair/{p["id"]}">{p["name"]}</a>' in pairs
    inbox = c.get("/inbox").get_data(as_text=True)
    import html

    for e in st.json("inbox"):
        assert f'id="activity-{e["id"]}"' in inbox
        assert html.escape(e["suggestion"]["reason"]) in inbox
    imports = c.get("/imports").get_data(as_text=True)
    failed = st.json("imports", "--failed")
    assert html.escape(failed[0]["reason"]) in imports and failed[0]["path"] in imports
    load = c.get("/load").get_data(as_text=True)
    for s in st.json("load")["spikes"]:
        assert f'id="spike-{s["id"]}"' in load


def test_the_pair_chart_follows_the_store_from_the_first_view(web, st):
    """No view shows a chart older than the store: an assignment adds a step at once, an edit
    of the window moves the band at once."""
    c, guard = web
    mi = 1609.344

    def chart():
        return cr.svg_in(c.get("/pair/1").get_data(as_text=True), "chart")

    pair = next(p for p in st.json("status", "--all") if p["id"] == 1)
    first = chart()
    assert cr.by_id(first, "pair-1").find(f"{cr.NS}title").text == "Pegasus 40"
    steps = cr.series_points(first, 1)
    assert len(steps) == 1 + 2 * (pair["activities"] + 1)
    value, tol = cr.value_at(first), cr.tenth_px(first)
    assert value(steps[0][1]) == pytest.approx(265, abs=tol)  # the starting distance
    assert value(steps[-1][1]) == pytest.approx(pair["distance_m"] / mi, abs=tol)
    band = cr.by_id(first, "band-0")
    assert value(float(band.get("y"))) == pytest.approx(500, abs=tol)
    assert value(float(band.get("y")) + float(band.get("height"))) == pytest.approx(300, abs=tol)
    assert "forecast-1" in cr.ids(first) and "distance (mi)" in cr.texts(first)

    entry = st.json("inbox")[0]
    st("activity", "assign", entry["id"], "pegasus")
    after = chart()
    value, tol = cr.value_at(after), cr.tenth_px(after)
    assert len(cr.series_points(after, 1)) == len(steps) + 2
    assert value(cr.series_points(after, 1)[-1][1]) == pytest.approx(
        (pair["distance_m"] + entry["distance_m"]) / mi, abs=tol
    )

    messages(c, c.post("/pair/1/edit", data=dict(ws_form(c, 1), csrf=guard.csrf, warn="420mi")))
    edited = chart()
    value, tol = cr.value_at(edited), cr.tenth_px(edited)
    band = cr.by_id(edited, "band-0")
    assert value(float(band.get("y")) + float(band.get("height"))) == pytest.approx(420, abs=tol)
    assert "warn 420 mi" in cr.texts(edited)


def test_charts_are_in_the_units_of_the_settings(built):
    from shoetrack.config import Config

    c, _ = ws.client(built, config=Config(units="km"))
    root = cr.svg_in(c.get("/pair/1").get_data(as_text=True), "chart")
    value, tol = cr.value_at(root), cr.tenth_px(root)
    band = cr.by_id(root, "band-0")
    assert value(float(band.get("y"))) == pytest.approx(500 * 1.609344, abs=tol)
    assert "distance (km)" in cr.texts(root) and "distance (mi)" not in cr.texts(root)
    load = cr.svg_in(c.get("/load").get_data(as_text=True), "chart")
    assert "distance on foot (km)" in cr.texts(load)


def test_the_load_chart_shows_the_weeks_and_runs_of_its_tables(web, st):
    c, _ = web
    page = c.get("/load").get_data(as_text=True)
    root = cr.svg_in(page, "chart")
    picture = st.json("load")
    value, tol = cr.value_at(root), cr.tenth_px(root)
    bars = cr.bars(root)
    assert [b.get("id") for b in bars] == [
        f"week-{w['week_start']}{'-over' if w['over_guideline'] else ''}" for w in picture["weeks"]
    ]
    for bar, week in zip(bars, picture["weeks"], strict=True):
        assert value(float(bar.get("y"))) == pytest.approx(week["distance_m"] / 1609.344, abs=tol)
    assert {i for i in cr.ids(root) if i.startswith("spike-marker-")} == {
        f"spike-marker-{s['id']}" for s in picture["spikes"]
    }
    # Every id on the page once: the chart's and the tables' never collide.
    every = re.findall(r'\sid="([^"]+)"', page)
    assert len(every) == len(set(every))


# --- the command itself ------------------------------------------------------------------


def test_serve_without_flask_says_how_to_install(st, monkeypatch):
    monkeypatch.setitem(sys.modules, "flask", None)  # import flask now raises ImportError
    assert (
        st("serve", code=1).stderr
        == "Error: the dashboard needs Flask: pip install 'shoetrack[web]'\n"
    )


def test_other_commands_do_not_load_the_web_stack():
    code = (
        "import sys; from shoetrack.cli import cli; "
        "print(sorted(m for m in ('flask', 'werkzeug', 'jinja2', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_port_in_use_is_one_line(st, built):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        err = st("serve", "--port", port, code=1).stderr
    assert err == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def _start(db: Path, *args) -> tuple[subprocess.Popen, str]:
    import os

    env = {**os.environ, "SHOETRACK_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shoetrack", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()
    m = re.search(r"(http://\S+)", line)
    assert m, line + proc.stderr.read()
    return proc, m.group(1)


def _get(url: str, host: str | None = None, cookie: str | None = None):
    from urllib.parse import urlsplit

    u = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", u.port, timeout=30)
    headers = {"Host": host or u.netloc}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", u.path + (f"?{u.query}" if u.query else ""), headers=headers)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp, body


def test_serve_prints_its_address_and_refuses_foreign_hosts(built):
    import signal

    proc, url = _start(built)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        resp, body = _get(url)
        assert resp.status == 200 and "Your pairs" in body
        port = url.rsplit(":", 1)[1].strip("/")
        resp, body = _get(url, host=f"attacker.example:{port}")
        assert resp.status == 400
    finally:
        proc.send_signal(signal.SIGINT)
        # Not communicate(): it reads the raw pipe and would lose what readline() above already
        # buffered (the next line often arrives with the first). The output is a few lines.
        proc.wait(timeout=30)
        out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.returncode == 0, err
    assert out.splitlines() == [
        "Press Ctrl-C to stop.",
        "Stopped.",
    ]  # the first line was read above
    assert err == ""  # no line per request (that is for -v)


def test_serve_with_host_prints_a_token_and_requires_it(built):
    proc, url = _start(built, "--host", "0.0.0.0", "--read-only")
    try:
        m = re.fullmatch(r"(http://127\.0\.0\.1:\d+/)\?token=([\w-]+)", url)
        assert m, url
        base, token = m.groups()
        assert _get(base)[0].status == 403
        assert _get(base + "?token=nope")[0].status == 403
        resp, _ = _get(url)
        assert resp.status == 303
        cookie = resp.getheader("Set-Cookie").split(";")[0]
        resp, body = _get(base, cookie=cookie)
        assert resp.status == 200 and "read-only" in body
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


# --- while another process writes ----------------------------------------------------------

WRITER = r"""
import sys, time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from importers.model import Activity
from shoetrack import activities
from shoetrack.store import open_store

db, hold, ready, stop = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
store = open_store(db)
n = 0
while not stop.exists():
    with store.write():  # BEGIN IMMEDIATE: holds the write lock until the end of the block
        start = datetime(2026, 6, 1, 6, tzinfo=timezone.utc) + timedelta(minutes=n)
        activities.insert(store, Activity(start=start, sport="ride", distance_m=1000.0 + n, source="manual"))
        ready.touch()
        time.sleep(hold)
    n += 1
    time.sleep(0.02)
"""


@pytest.fixture
def writer(built, tmp_path):
    """A second process that keeps taking the write lock, as the daemon importing does."""
    procs = []

    def start(hold: float):
        ready, stop = tmp_path / f"ready{len(procs)}", tmp_path / f"stop{len(procs)}"
        p = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(built), str(hold), str(ready), str(stop)],
            cwd=Path(__file__).resolve().parents[1],
        )
        procs.append((p, stop))
        while not ready.exists():
            assert p.poll() is None, "the writer died"
            time.sleep(0.01)
        return stop

    yield start
    for p, stop in procs:
        stop.touch()
        p.wait(timeout=30)


def test_pages_and_actions_work_while_another_process_writes(built, st, writer):
    entries = st.json("inbox")
    writer(0.15)
    with ws.server(built) as srv:
        base = f"http://127.0.0.1:{srv.port}"
        for _ in range(3):
            for path in ("/", "/pair/1", "/inbox", "/load", "/imports"):
                resp, body = _get(base + path)
                assert resp.status == 200, (path, body)
                assert "locked" not in body
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        ids = ",".join(str(e["id"]) for e in entries)
        conn.request(
            "POST",
            "/inbox/accept-all",
            body=f"csrf={srv.guard.csrf}&ids={ids}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert conn.getresponse().status == 303
        conn.close()
    taken = {a[0]: a[1:3] for a in ws.assignments(built)}
    assert all(taken[e["id"]] == (e["suggestion"]["shoe"], "inbox") for e in entries)


def test_a_long_write_lock_is_waited_out(built, st, writer):
    c, guard = ws.client(built, busy_timeout_s=0.05, busy_deadline_s=20)
    action, shoe_id = inbox_form(c)
    stop = writer(1.5)  # each transaction holds the lock 1.5 s: 30 times SQLite's wait here
    resp = c.post(action, data={"csrf": guard.csrf, "shoe_id": shoe_id})
    stop.touch()
    assert resp.status_code == 303
    aid = int(action.split("/")[2])
    assert next(a for a in ws.assignments(built) if a[0] == aid)[2] == "inbox"


def test_a_lock_held_past_the_deadline_is_a_sentence_not_sqlite(built, st, writer):
    c, guard = ws.client(built, busy_timeout_s=0.05, busy_deadline_s=0.3)
    action, shoe_id = inbox_form(c)
    before = ws.assignments(built)
    stop = writer(3.0)
    resp = c.post(action, data={"csrf": guard.csrf, "shoe_id": shoe_id})
    stop.touch()
    body = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert (
        "the database stayed busy (another shoetrack process is writing, e.g. the daemon importing): "
        "nothing was changed, try again"
    ) in body
    assert "locked" not in body
    last = before[-1][0]
    assert [a for a in ws.assignments(built) if a[0] <= last] == before  # the writer's rides aside


def test_the_pair_page_lists_its_alerts_as_alerts_does(web, st, tmp_path):
    c, _ = web
    # Desktop and email off: the alert is raised and recorded, with nothing to deliver it.
    (tmp_path / "config.toml").write_text("[desktop]\nenabled = false\n")
    st("alerts", "check")
    raised = [a for a in st.json("alerts") if a["shoe"] == "Pegasus 40"]
    assert sorted(a["level"] for a in raised) == ["approaching", "window"]
    page = c.get("/pair/1").get_data(as_text=True)
    table = re.search(r'<table class="alerts">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>([\d-]+ [\d:]+)</td><td>(\w+)</td>", table) == [
        (a["raised_at"][:16].replace("T", " "), a["level"]) for a in raised
    ]
    assert "covered by window" in table  # raised in the same check, under the higher level
    assert "No alerts raised" in c.get("/pair/3").get_data(as_text=True)


def test_serve_open_opens_the_address_in_the_browser(built, tmp_path):
    import os
    import signal

    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {seen}\n')
    browser.chmod(0o755)
    os.environ["BROWSER"] = str(browser)  # the webbrowser module runs $BROWSER with the address
    try:
        proc, url = _start(built, "--open")
    finally:
        del os.environ["BROWSER"]
    try:
        deadline = time.monotonic() + 30
        while not (seen.exists() and seen.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen.read_text().strip() == url
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
