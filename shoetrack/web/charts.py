"""The charts on the dashboard: the same ones `shoetrack chart` and `shoetrack report` draw
(shoetrack.insight.charts), kept while the data behind them is unchanged.

Drawing a chart with matplotlib takes tens of milliseconds, far more than the page around it;
a page is read much more often than the store changes. So each chart is kept under a
fingerprint of exactly what it is drawn from (a cheap aggregate query) plus the day, and drawn
again as soon as any of that changes: an import, an assignment, an edit of the pair.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from shoetrack.errors import ShoetrackError

KEEP = 64  # charts kept per server (one per pair plus the load chart, in practice)

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()

# Everything the pair chart is drawn from: its activities (count, distance, latest change) and
# the pair's own row (window, dates, starting distance).
PAIR_PRINT = """
SELECT count(*), total(a.distance_m), max(g.assigned_at), max(a.id), total(a.ignored),
       (SELECT json_array(s.name, s.purchased_on, s.retired_on, s.start_distance_m, s.warn_at_m,
                          s.replace_at_m) FROM shoes s WHERE s.id = :shoe)
FROM assignments g JOIN activities a ON a.id = g.activity_id WHERE g.shoe_id = :shoe
"""
# Everything the load chart is drawn from: every activity's day, sport, distance and time.
LOAD_PRINT = """
SELECT count(*), total(distance_m), max(id), total(ignored), total(id * length(sport)),
       total(coalesce(moving_s, elapsed_s, 0)), max(created_at) FROM activities
"""


def _kept(key: tuple, draw):
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    svg = draw()
    with _lock:
        _cache[key] = svg
        while len(_cache) > KEEP:
            _cache.popitem(last=False)
    return svg


def _day() -> str:
    return datetime.now().astimezone().date().isoformat()


def clear() -> None:
    with _lock:
        _cache.clear()


def pair(store, config, st) -> dict:
    """{'svg': inline SVG} of one pair's distance over time, or {'missing': why}."""
    from shoetrack.insight import charts

    key = ("pair", str(store.path), repr(config), _day(),
           tuple(store.conn.execute(PAIR_PRINT, {"shoe": st.shoe.id}).fetchone()))
    try:
        return {"svg": _kept(key, lambda: charts.pair_chart_svg(store, [st.shoe.id], config=config))}
    except ShoetrackError as e:  # matplotlib not installed
        return {"missing": str(e)}


def load(store, config) -> dict:
    """The weekly load chart and the figures under it: {'svg', 'load'} or {'missing', 'load'}.
    The figures are kept with the chart: they are computed from the same rows."""
    from shoetrack.insight import charts
    from shoetrack.insight.load import compute

    key = ("load", str(store.path), repr(config), _day(),
           tuple(store.conn.execute(LOAD_PRINT).fetchone()))
    picture = _kept(key + ("figures",), lambda: compute(store, config))
    try:
        return {"svg": _kept(key, lambda: charts.load_chart_svg(store, config=config)), "load": picture}
    except ShoetrackError as e:
        return {"missing": str(e), "load": picture}
