"""The Flask application: one store connection per request, the guard in front of every view,
and a retry around every view so that a daemon writing at the same time never shows as an
error (docs/dashboard.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, abort, g, redirect, render_template, request, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from shoetrack.config import Config
from shoetrack.errors import ShoetrackError
from shoetrack.insight.report import environment
from shoetrack.web import actions, pages
from shoetrack.web.db import Busy, Settings, _close_store
from shoetrack.web.security import Guard

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent  # shoetrack/templates and shoetrack/static, shared with `shoetrack report`
STATIC_DIRS = (HERE / "static", SHARED / "static")


def create_app(settings: Settings) -> Flask:
    app = Flask(__name__, static_folder=None, template_folder=None)
    app.secret_key = secrets.token_bytes(32)  # per process: flashed messages only
    guard = settings.guard
    app.config.update(
        SESSION_COOKIE_NAME=f"shoetrack_session_{guard.port}",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=64 * 1024,  # forms here are small; refuse anything else early
    )
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(HERE / "templates")), FileSystemLoader(str(SHARED / "templates"))]
    )
    _filters(app, settings.config)
    app.extensions["shoetrack"] = settings

    @app.before_request
    def _guard():
        g.settings = settings
        return _check(guard)

    @app.after_request
    def _headers(resp):
        # Nothing is loaded from elsewhere and no page may frame this one.
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on
        # our own form posts, and the Origin check refuses those.
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    app.teardown_request(lambda exc: _close_store())

    @app.route("/static/<path:name>")
    def static(name):
        for folder in STATIC_DIRS:
            if (folder / name).is_file():
                resp = send_from_directory(folder, name, max_age=300)
                resp.headers["Cache-Control"] = "max-age=300"
                return resp
        abort(404)

    @app.errorhandler(ShoetrackError)
    def _known(e):
        status = 503 if isinstance(e, Busy) else 400
        return render_template("error.html", message=str(e), status=status), status

    for code, text in (
        (400, "bad request"),
        (403, "refused"),
        (404, "not found"),
        (405, "method not allowed"),
        (413, "request too large"),
    ):
        app.register_error_handler(code, _http_error(text))

    pages.register(app)
    actions.register(app)
    return app


def _http_error(text: str):
    def handler(e):
        message = getattr(e, "description", None) or text
        return render_template("error.html", message=message, status=e.code), e.code

    return handler


def _check(guard: Guard):
    """Refuse what this server must not answer; None lets the request through."""
    if not guard.host_ok(request.host):
        abort(
            400,
            f"refused: this server answers only to 127.0.0.1:{guard.port} or "
            f"localhost:{guard.port}, not Host {request.host!r}",
        )
    if guard.token is not None:
        given = request.args.get("token")
        if given is not None and guard.token_ok(given):
            # Once seen, the token moves to a cookie and out of the address bar and history.
            args = {k: v for k, v in request.args.items() if k != "token"}
            from urllib.parse import urlencode

            resp = redirect(request.path + ("?" + urlencode(args) if args else ""), code=303)
            resp.set_cookie(guard.token_cookie, guard.token, httponly=True, samesite="Strict")
            return resp
        if not guard.token_ok(request.cookies.get(guard.token_cookie)):
            abort(403, "refused: open the address with ?token= that `shoetrack serve` printed")
    if request.method == "POST":
        if guard.read_only:
            abort(403, "refused: this dashboard is read-only (shoetrack serve --read-only)")
        if not guard.origin_ok(request.headers.get("Origin")):
            abort(403, "refused: the request came from another site")
        if not guard.csrf_ok(request.form.get("csrf")):
            abort(403, "refused: the form is missing its token (reload the page and try again)")
    return None


def _filters(app: Flask, config: Config) -> None:
    """The report's display filters (one look for report and dashboard), plus `svg`."""

    shared = environment().filters
    for name in ("dist", "duration", "pct", "signed_pct", "localday", "per_unit", "per_cost"):
        app.jinja_env.filters[name] = shared[name]
    app.jinja_env.filters["svg"] = Markup  # chart SVG drawn by our own code, its text escaped
    app.jinja_env.globals["units"] = config.units
