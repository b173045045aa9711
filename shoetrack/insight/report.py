"""`shoetrack report`: one self-contained HTML file (stylesheet and charts inline, no network).

The Jinja2 environment, its filters and the stylesheet are shared with the dashboard: templates
live in shoetrack/templates (base.html has the blocks `title`, `styles`, `nav`, `content`,
`footer`), the CSS in shoetrack/static/shoetrack.css. Jinja2 comes with the `charts` extra and is
imported only here.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from shoetrack.errors import ShoetrackError
from shoetrack.insight import charts, load, rotation
from shoetrack.insight.charts import MISSING
from shoetrack.insight.settings import WEEKDAYS
from shoetrack.mileage import compute
from shoetrack.units import format_distance, format_duration, from_iso

MILES_PER_KM = 1000 / 1609.344


def stylesheet() -> str:
    """The shared stylesheet's text (package data)."""
    from importlib.resources import files

    return (files("shoetrack") / "static" / "shoetrack.css").read_text(encoding="utf-8")


def _pct(value, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.0%}" if signed else f"{value:.0%}"


def _per_unit(cost_per_km, units: str) -> str:
    """Cost per mile or km, two decimals; '-' without a cost."""
    if cost_per_km is None:
        return "-"
    return f"{cost_per_km / MILES_PER_KM if units == 'mi' else cost_per_km:.2f}"


def _per_cost(km_per_cost, units: str) -> str:
    if km_per_cost is None:
        return "-"
    return f"{km_per_cost * MILES_PER_KM if units == 'mi' else km_per_cost:.1f}"


def environment():
    """A Jinja2 Environment over shoetrack/templates with autoescaping and the display filters:
    dist(meters, units), duration(seconds), pct, signed_pct, localday(iso or datetime),
    per_unit(cost_per_km, units), per_cost(km_per_cost, units)."""
    try:
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    except ImportError:
        raise ShoetrackError(MISSING) from None

    env = Environment(
        loader=PackageLoader("shoetrack", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )

    def localday(value) -> str:
        if not value:
            return "-"
        dt = from_iso(value) if isinstance(value, str) else value
        return dt.astimezone().date().isoformat()

    env.filters.update(
        dist=lambda m, units, digits=1: format_distance(m, units, digits),
        duration=lambda s: format_duration(s) if s else "-",
        pct=_pct,
        signed_pct=lambda v: _pct(v, signed=True),
        localday=localday,
        per_unit=_per_unit,
        per_cost=_per_cost,
    )
    return env


def context(store, config, *, now: datetime | None = None) -> dict:
    """Everything report.html shows, computed at `now` (UTC)."""

    now = now or datetime.now(timezone.utc)
    picture = load.compute(store, config, now=now)
    return {
        "units": config.units,
        "today": now.astimezone().date().isoformat(),
        "generated": now.astimezone().strftime("%Y-%m-%d %H:%M"),
        "week_start_day": WEEKDAYS[picture.week_start_day],
        "pairs": compute(store, config, now=now),
        "pair_chart": charts.pair_chart_svg(store, config=config, now=now),
        "load_chart": charts.load_chart_svg(store, config=config, now=now),
        "load": picture,
        "rotation": rotation.rotation(store, config, now=now),
        "rotation_days": rotation.ROTATION_DAYS,
        "history": rotation.by_model(rotation.retired(store, config, now=now)),
        "inline_css": stylesheet(),
    }


def render(store, config, *, now: datetime | None = None) -> str:
    """The report as one HTML document."""
    return environment().get_template("report.html").render(**context(store, config, now=now))


def write(store, config, path: Path, *, now: datetime | None = None) -> Path:
    """Write the report to `path` through a temporary file (never half a report)."""
    html = render(store, config, now=now)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ShoetrackError(f"cannot write {path}: {e.strerror}") from None
    return path
