"""The pages (GET only): pairs, one pair, inbox, load, imports. Each reads through the same core
functions as the CLI command that shows the same thing."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, abort, g, render_template, request

from shoetrack import activities, mileage, shoes
from shoetrack.alerts import planning
from shoetrack.attribution import inbox
from shoetrack.cli.status import _next_limit as next_limit  # the same words as `status`
from shoetrack.errors import ShoetrackError
from shoetrack.insight import charts, load
from shoetrack.sports import SHOE_SPORTS
from shoetrack.units import format_distance
from shoetrack.web import forms
from shoetrack.web.db import retrying, store

ACTIVITY_PAGE = 100  # activities listed on a pair's page before "show all"
IMPORTS_PAGE = 200


def render(template: str, **ctx):
    """A page with what every page shows: the inbox count in the menu, the forms' token, and
    whether actions are offered at all."""

    guard = g.settings.guard
    waiting = inbox.count(store())
    return render_template(
        template,
        csrf=guard.csrf,
        read_only=guard.read_only,
        inbox_count=waiting,
        today=datetime.now().astimezone().date(),
        **ctx,
    )


def window(st) -> dict:
    """Where a pair is on its way through the window, for the bar: fractions of the replace
    distance (0..1), and one line in the user's units."""

    units = g.settings.config.units
    total, warn, replace = st.total_m, st.warn_m, st.replace_m
    if total < warn:
        text = f"{format_distance(warn - total, units)} to warn"
    elif total < replace:
        text = (
            f"{(total - warn) / (replace - warn):.0%} through the window, "
            f"{format_distance(replace - total, units)} to replace"
        )
    else:
        text = f"past replace by {format_distance(total - replace, units)}"
    return {
        "fill": min(1.0, total / replace),
        "warn": warn / replace,
        "over": total > replace,
        "text": text,
    }


@retrying
def pairs_page():

    rows = mileage.compute(store(), g.settings.config, include_retired=True)
    active = [st for st in rows if not st.shoe.retired]
    retired = [st for st in rows if st.shoe.retired]
    return render(
        "pairs.html", active=active, retired=retired, window=window, next_limit=next_limit
    )


@retrying
def pair_page(shoe_id: int):

    try:
        shoe = shoes.get(store(), shoe_id)
    except ShoetrackError:
        abort(404, f"no pair with id {shoe_id}")
    st = mileage.compute(store(), g.settings.config, include_retired=True, shoe_ids=[shoe.id])[0]
    show_all = request.args.get("all") == "1"
    acts = activities.query(store(), shoe=shoe, limit=None if show_all else ACTIVITY_PAGE)
    raised = [a for a in planning.listing(store()) if a["shoe_id"] == shoe.id]
    return render(
        "pair.html",
        st=st,
        shoe=shoe,
        acts=acts,
        show_all=show_all,
        more=st.activities > len(acts),
        alerts=raised,
        window=window,
        next_limit=next_limit,
        form=edit_values(shoe),
        sports=SHOE_SPORTS,
        chart=pair_chart(st),
    )


def pair_chart(st) -> str:
    """The chart `shoetrack chart PAIR` draws, as inline SVG. Drawn on every view, never kept:
    it takes a few milliseconds (docs/dashboard.md, "Benchmarks"), so nothing can be stale."""

    model = charts.pair_chart(store(), [st.shoe.id], config=g.settings.config, statuses=[st])
    return charts.to_svg(model)


def edit_values(shoe) -> dict:
    """The edit form's fields as text, exactly as they are shown (an unchanged field is one
    whose submitted text equals this)."""

    return forms.shown(shoe, g.settings.config.units)


@retrying
def inbox_page():

    items = inbox.entries(store())
    return render("inbox.html", items=items, ids=",".join(str(e.activity["id"]) for e in items))


@retrying
def load_page():

    # One computation for the chart and the tables under it, as `shoetrack load` computes it.
    picture = load.compute(store(), g.settings.config)
    chart = charts.to_svg(charts.load_chart(store(), config=g.settings.config, picture=picture))
    return render("load.html", load=picture, chart=chart)


@retrying
def imports_page():
    only_failed = request.args.get("failed") == "1"
    s = store()
    counts = {
        r["status"]: r["n"] for r in s.q("SELECT status, count(*) AS n FROM files GROUP BY status")
    }
    # The newest 200 chosen by a narrow sort of ids first: sorting whole rows (paths, reasons
    # and a count per file) of a long log costs several times more.
    where = " WHERE status = 'failed'" if only_failed else ""
    rows = s.q(
        "SELECT f.id, f.path, f.format, f.status, f.reason, f.imported_at,"
        " (SELECT count(*) FROM activities a WHERE a.file_id = f.id) AS activities"
        f" FROM files f JOIN (SELECT id FROM files{where} ORDER BY imported_at DESC, id DESC"
        f" LIMIT {IMPORTS_PAGE}) k ON k.id = f.id ORDER BY f.imported_at DESC, f.id DESC"
    )
    failed = (
        []
        if only_failed
        else s.q(
            "SELECT id, path, format, reason, imported_at FROM files WHERE status = 'failed'"
            f" ORDER BY imported_at DESC, id DESC LIMIT {IMPORTS_PAGE}"
        )
    )
    watches = s.q("SELECT folder, enabled, last_scan FROM watches ORDER BY folder")
    return render(
        "imports.html",
        rows=rows,
        failed=failed,
        counts=counts,
        only_failed=only_failed,
        total=sum(counts.values()),
        limit=IMPORTS_PAGE,
        watches=watches,
    )


def register(app: Flask) -> None:
    app.add_url_rule("/", "pairs", pairs_page)
    app.add_url_rule("/pair/<int:shoe_id>", "pair", pair_page)
    app.add_url_rule("/inbox", "inbox", inbox_page)
    app.add_url_rule("/load", "load", load_page)
    app.add_url_rule("/imports", "imports", imports_page)
