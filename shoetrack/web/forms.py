"""The pair edit form: shown as text in the user's units, read back through the same parsers as
the CLI options, with the same one-line errors ("Invalid value for --warn: ...")."""

from __future__ import annotations

from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.units import parse_day, parse_distance, to_units

DAYS_PER_MONTH = 30.4375  # --max-age is in months, stored in days (as `shoe edit` does)

# Form field -> (the CLI option it mirrors, the shoes.edit key)
TEXT_FIELDS = {
    "brand": ("--brand", "brand"),
    "model": ("--model", "model"),
    "notes": ("--notes", "notes"),
}
DISTANCE_FIELDS = {
    "start_distance": ("--start-distance", "start_distance_m"),
    "warn": ("--warn", "warn_at_m"),
    "replace": ("--replace", "replace_at_m"),
}


def _dist_text(meters: float | None, units: str) -> str:

    if meters is None:
        return ""
    return f"{round(to_units(meters, units), 2):g} {units}"


def shown(shoe, units: str) -> dict:
    """Every field as the form shows it. An empty warn/replace means the config's default."""
    return {
        "name": shoe.name,
        "brand": shoe.brand or "",
        "model": shoe.model or "",
        "notes": shoe.notes or "",
        "purchased": shoe.purchased_on or "",
        "start_distance": _dist_text(shoe.start_distance_m, units),
        "warn": _dist_text(shoe.warn_at_m, units),
        "replace": _dist_text(shoe.replace_at_m, units),
        "max_age": str(round(shoe.max_age_days / DAYS_PER_MONTH)) if shoe.max_age_days else "",
        "cost": f"{shoe.cost:g}" if shoe.cost is not None else "",
        "default_for": sorted(shoe.default_sports),
    }


def _bad(option: str, e: ShoetrackError | str) -> UsageProblem:
    return UsageProblem(f"Invalid value for {option}: {e}")


def _number(text: str, option: str, *, whole: bool, low: float):
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise _bad(option, f"{text!r} is not {kind}") from None
    if not value >= low or value != value or value in (float("inf"), float("-inf")):
        raise _bad(option, f"{text!r} must be at least {low:g}")
    return value


def changes(form, shoe, units: str) -> tuple[str | None, dict]:
    """(new name or None, values for shoes.edit) for the fields whose text changed."""

    before = shown(shoe, units)
    text = {k: (form.get(k) or "").strip() for k in before if k != "default_for"}
    values: dict = {}
    for key, (_option, column) in TEXT_FIELDS.items():
        if text[key] != before[key]:
            values[column] = text[key] or None
    for key, (option, column) in DISTANCE_FIELDS.items():
        if text[key] == before[key]:
            continue
        if not text[key]:
            # No starting distance is 0; no warn/replace is the config's default.
            values[column] = 0.0 if key == "start_distance" else None
            continue
        try:
            values[column] = parse_distance(text[key], units, allow_zero=key == "start_distance")
        except ShoetrackError as e:
            raise _bad(option, e) from None
    if text["purchased"] != before["purchased"]:
        try:
            values["purchased_on"] = parse_day(text["purchased"]) if text["purchased"] else None
        except ShoetrackError as e:
            raise _bad("--purchased", e) from None
    if text["max_age"] != before["max_age"]:
        values["max_age_days"] = (
            round(_number(text["max_age"], "--max-age", whole=True, low=1) * DAYS_PER_MONTH)
            if text["max_age"]
            else None
        )
    if text["cost"] != before["cost"]:
        values["cost"] = (
            _number(text["cost"], "--cost", whole=False, low=0) if text["cost"] else None
        )
    sports = sorted(set(form.getlist("default_for")))
    if sports != before["default_for"]:
        values["default_sports"] = sports
    new_name = text["name"] if text["name"] != before["name"] else None
    if new_name == "":
        raise UsageProblem("a pair needs a name")
    return new_name, values
