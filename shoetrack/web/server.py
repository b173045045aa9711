"""Serving the dashboard: werkzeug's threaded WSGI server (it comes with Flask), bound to
loopback unless told otherwise."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from shoetrack.config import Config
from shoetrack.errors import ShoetrackError
from shoetrack.web.app import create_app
from shoetrack.web.db import Settings
from shoetrack.web.security import Guard


class Server:
    """A bound, not yet serving, dashboard. `url` is what to open (with the token if any)."""

    def __init__(
        self,
        db_path: Path,
        config: Config,
        *,
        host: str | None = None,
        port: int = 0,
        read_only: bool = False,
        busy_deadline_s: float = 30.0,
    ):
        from werkzeug.serving import make_server

        self.guard = Guard.for_host(host, read_only=read_only)
        self.settings = Settings(
            db_path=db_path, config=config, guard=self.guard, busy_deadline_s=busy_deadline_s
        )
        # Bound here, not by werkzeug: on a busy port werkzeug prints a paragraph and exits.
        host = self.guard.host
        try:
            sock = socket.create_server(
                (host.strip("[]"), port), family=socket.AF_INET6 if ":" in host else socket.AF_INET
            )
        except OSError as e:
            reason = os.strerror(e.errno) if e.errno else str(e)
            raise ShoetrackError(f"cannot listen on {host}:{port}: {reason}") from None
        with sock:  # werkzeug serves a duplicate of this socket
            # The app is made after binding: its cookie names and Host check need the port.
            self._wsgi = make_server(
                host.strip("[]"), sock.getsockname()[1], self._app, threaded=True, fd=sock.fileno()
            )
        self.guard.bind(self._wsgi.socket.getsockname()[1])
        self.app = create_app(self.settings)

    def _app(self, environ, start_response):
        return self.app(environ, start_response)

    @property
    def port(self) -> int:
        return self.guard.port

    @property
    def url(self) -> str:
        return self.guard.url()

    def serve_forever(self) -> None:
        self._serving = True
        self._wsgi.serve_forever()

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, benchmarks); stop with shutdown()."""
        t = threading.Thread(target=self.serve_forever, name="shoetrack-web", daemon=True)
        t.start()
        return t

    def shutdown(self) -> None:
        # socketserver's shutdown() waits for a serve loop to end, and waits forever when none
        # ever started (Ctrl-C between binding and serving).
        if getattr(self, "_serving", False):
            self._wsgi.shutdown()
        self._wsgi.server_close()
