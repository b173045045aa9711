"""Wear levels of a pair and the sentences that describe them (used by notices and alerts)."""

from __future__ import annotations

from datetime import date

from shoetrack.units import format_distance, to_units

# Ordered: a pair moves up through these as it wears.
ORDER = ("ok", "approaching", "window", "replace")


def rank(state: str) -> int:
    return ORDER.index(state) if state in ORDER else -1


def window_text(st, units: str) -> str:
    """'305 mi of 300–500'."""
    return (
        f"{to_units(st.total_m, units):.0f} {units} of "
        f"{to_units(st.warn_m, units):.0f}–{to_units(st.replace_m, units):.0f}"
    )


def pace_text(st, target: date | None, units: str, today: date) -> str:
    """'about 5 weeks at your current ~22 mi/week', or '' without a forecast."""
    if target is None or st.rate_m_per_day <= 0:
        return ""
    days = (target - today).days
    if days < 14:
        span = f"about {max(days, 1)} day{'s' if days != 1 else ''}"
    else:
        weeks = round(days / 7)
        span = f"about {weeks} weeks"
    return f"{span} at your current ~{to_units(st.rate_m_per_day * 7, units):.0f} {units}/week"


def sentence(st, level: str, units: str, today: date) -> str:
    """One line saying where a pair stands, for a notice or an alert."""
    name = st.shoe.name
    w = window_text(st, units)
    if level == "approaching":
        pace = pace_text(st, st.forecast_warn, units, today)
        return f"{name} is approaching its replacement window: {w}" + (
            f"; it gets there in {pace}" if pace else ""
        )
    if level == "window":
        pace = pace_text(st, st.forecast_replace, units, today)
        return f"{name} entered its replacement window: {w}" + (
            f"; replace in {pace}" if pace else ""
        )
    if level == "replace":
        return f"{name} reached its replace distance: {w}; time for a new pair"
    if level == "reminder":
        return (
            f"{name} is well past its replace distance: {w}; "
            f'retire it (shoetrack shoe retire "{name}") or raise its limit'
        )
    if level == "age":
        return f"{name} is older than its age limit ({st.shoe.max_age_days} days): foam ages even unworn"
    return f"{name}: {format_distance(st.total_m, units)}"


_HEADLINES = {
    "approaching": "{name} is approaching its replacement window",
    "window": "{name} entered its replacement window",
    "replace": "{name} reached its replace distance",
    "reminder": "{name} is well past its replace distance",
    "age": "{name} is past its age limit",
}


def headline(level: str, name: str) -> str:
    """A short title for an alert: 'Pegasus 40 entered its replacement window'."""
    return _HEADLINES.get(level, "{name}").format(name=name)


def advice(level: str, st, units: str) -> str:
    """What the runner should do about an alert at `level`: plain text; a line starting with two
    spaces is a command, kept whole so that it can be copied."""
    name = st.shoe.name
    replace = format_distance(st.replace_m, units, 0)
    higher = f"{to_units(st.replace_m, units) + 100:.0f}{units}"  # an example, not advice
    if level == "approaching":
        return (
            "Nothing yet. Think about the next pair, so it can be broken in alongside this "
            "one before you need it."
        )
    if level == "window":
        return (
            f"Start rotating in a fresh pair. Retire this one when the cushioning feels flat "
            f"or your legs complain, and by {replace} at the latest."
        )
    if level == "replace":
        return (
            f'Retire it (keep it for walks if you like):\n  shoetrack shoe retire "{name}"\n'
            f"If it still feels good, raise its limit instead:\n"
            f'  shoetrack shoe edit "{name}" --replace {higher}'
        )
    if level == "reminder":
        return (
            f'Retire it:\n  shoetrack shoe retire "{name}"\n'
            f"or raise its limit, or hold these reminders for two weeks:\n"
            f'  shoetrack alerts snooze "{name}" --days 14'
        )
    if level == "age":
        return (
            "Midsole foam ages even when unworn: press the midsole and look for creases; "
            "replace the pair if it feels flat or hard."
        )
    return ""
