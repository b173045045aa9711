"""One-line notices when a command pushes a pair across a wear level.

Delivery by email/desktop happens in `alerts check`, so a slow mail server never slows logging.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import click


class LevelWatch:
    def __init__(self, app):
        self.app = app
        self.before = self._snapshot()
        self.after: dict = {}

    def _snapshot(self) -> dict:
        from shoetrack.mileage import compute

        return {st.shoe.id: st for st in compute(self.app.store, self.app.config)}

    def finish(self):
        self.after = self._snapshot()

    def lines(self) -> list[str]:
        from shoetrack.alerts.levels import rank, sentence

        today = datetime.now().astimezone().date()
        out = []
        for shoe_id, st in self.after.items():
            old = self.before.get(shoe_id)
            if old is not None and rank(st.state) > rank(old.state) and st.state != "ok":
                out.append(sentence(st, st.state, self.app.units, today))
        return out

    def report(self):
        for line in self.lines():
            click.echo(line)


@contextlib.contextmanager
def watch(app):
    w = LevelWatch(app)
    yield w
    w.finish()
