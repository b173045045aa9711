"""The actions (POST only; the guard has already checked the CSRF token and read-only mode).
Each calls the same core function as the CLI command that does the same thing, shows what
happened as one-line messages on the next page, and redirects there (so a reload repeats
nothing). Known errors are shown as the CLI shows them: one line, nothing changed."""

from __future__ import annotations

import functools
import types

from flask import Flask, flash, g, redirect, request, url_for

from shoetrack import activities, shoes
from shoetrack.attribution import inbox, reassign
from shoetrack.cli import notices
from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.units import parse_day
from shoetrack.web import forms
from shoetrack.web.db import Busy, retrying, store


def action(back):
    """Run an action and redirect to the page `back(**kwargs)` names; a ShoetrackError becomes
    the error line on that page (the store is unchanged: every write is one transaction)."""

    def deco(fn):
        run = retrying(fn)

        @functools.wraps(fn)
        def wrapper(**kwargs):
            try:
                for line in run(**kwargs) or []:
                    flash(line, "info")
            except Busy:
                raise
            except ShoetrackError as e:
                flash(f"Error: {e}", "error")
            return redirect(back(**kwargs), code=303)

        return wrapper

    return deco


def _levels():
    """Lines for pairs an action pushed across a wear level, as the CLI prints them."""

    cfg = g.settings.config
    return notices.watch(types.SimpleNamespace(store=store(), config=cfg, units=cfg.units))


def _reassign_note() -> list[str]:

    n = len(reassign.plan(store()))
    if not n:
        return []
    return [
        f"{n} past activit{'y' if n == 1 else 'ies'} would change under the current rules and "
        "defaults: review with `shoetrack reassign`, apply with `shoetrack reassign --apply`."
    ]


def _pair(shoe_id: int):

    return shoes.get(store(), shoe_id)


def _form_pair(key: str = "shoe_id"):
    try:
        return _pair(int(request.form.get(key, "")))
    except ValueError:
        raise UsageProblem("choose a pair") from None


def _to_pair(shoe_id: int, **_):
    return url_for("pair", shoe_id=shoe_id)


def _to_inbox(**_):
    return url_for("inbox")


@action(_to_pair)
def edit(shoe_id: int):

    cfg = g.settings.config
    shoe = _pair(shoe_id)
    new_name, values = forms.changes(request.form, shoe, cfg.units)
    if not new_name and not values:
        return ["Nothing changed."]
    with store().write():  # rename and edit together, or neither
        if new_name:
            shoe = shoes.rename(store(), shoe, new_name)
        if values:
            shoe = shoes.edit(store(), shoe, defaults=(cfg.warn_m, cfg.replace_m), **values)
    lines = [f"Updated {shoe.name}."]
    if {"purchased_on", "default_sports"} & values.keys():
        lines += _reassign_note()
    return lines


@action(_to_pair)
def retire(shoe_id: int):

    text = (request.form.get("date") or "").strip()
    try:
        on = parse_day(text or "today")  # empty: today, as `shoe retire` without --date
    except ShoetrackError as e:
        raise UsageProblem(f"Invalid value for --date: {e}") from None
    s = shoes.retire(store(), _pair(shoe_id), on)
    lines = [f"Retired {s.name} from {s.retired_on}."]
    later = activities.query(store(), shoe=s, since=on)
    chosen = [a for a in later if a["assigned_by"] in ("manual", "inbox", "archive")]
    if chosen:
        ids = ", ".join(f"#{a['id']}" for a in chosen)
        lines.append(
            f"{len(chosen)} activit{'y' if len(chosen) == 1 else 'ies'} from {s.retired_on} on "
            f"still count on {s.name}, as you chose ({ids})."
        )
    return lines + _reassign_note()


@action(_to_pair)
def unretire(shoe_id: int):

    s = shoes.unretire(store(), _pair(shoe_id))
    return [f"{s.name} is in use again."] + _reassign_note()


def _assign(activity_id: int, by: str) -> list[str]:

    shoe = _form_pair()
    with _levels() as levels:
        inbox.assign(store(), activity_id, shoe, by=by)
    return [f"#{activity_id} -> {shoe.name}"] + levels.lines()


@action(_to_inbox)
def accept(activity_id: int):
    """The suggestion shown on the page (its pair is in the form), recorded as taken."""
    return _assign(activity_id, "inbox")


@action(_to_inbox)
def assign(activity_id: int):
    """Another pair, picked by hand."""
    return _assign(activity_id, "manual")


@action(_to_inbox)
def ignore(activity_id: int):

    inbox.ignore(store(), activity_id)
    return [
        f"#{activity_id} ignored: it will never count (`shoetrack activity unassign "
        f"{activity_id}` brings it back)."
    ]


@action(_to_inbox)
def accept_all():
    """Every suggestion among the runs the page showed (runs imported since are left for the
    next look), as `inbox --accept` takes them."""

    try:
        ids = [int(x) for x in (request.form.get("ids") or "").split(",") if x.strip()]
    except ValueError:
        raise UsageProblem("the list of activities is not readable: reload the inbox") from None
    if not ids:
        return ["The inbox is empty."]
    items = inbox.entries(store(), activity_ids=ids)
    with _levels() as levels:
        taken = inbox.accept(store(), items)
    left = len(items) - len(taken)
    return [
        f"Assigned {len(taken)} activit{'y' if len(taken) == 1 else 'ies'}"
        + (f"; {left} without a suggestion stay in the inbox." if left else ".")
    ] + levels.lines()


def register(app: Flask) -> None:
    for rule, fn in (
        ("/pair/<int:shoe_id>/edit", edit),
        ("/pair/<int:shoe_id>/retire", retire),
        ("/pair/<int:shoe_id>/unretire", unretire),
        ("/inbox/<int:activity_id>/accept", accept),
        ("/inbox/<int:activity_id>/assign", assign),
        ("/inbox/<int:activity_id>/ignore", ignore),
        ("/inbox/accept-all", accept_all),
    ):
        app.add_url_rule(rule, fn.__name__, fn, methods=["POST"])
