"""The click group, the per-run App (config loaded once, store opened on demand) and output
helpers. Only the cli package imports click."""

from __future__ import annotations

import importlib
import sys

import click

from shoetrack.errors import ShoetrackError


class App:
    """State of one CLI run: resolved paths, config (loaded once) and the store (opened lazily,
    so `--help` and `config path` never touch the database)."""

    def __init__(self, db: str | None, config: str | None, units: str | None):
        from shoetrack import config as cfg

        self.config_path = cfg.resolve_config_path(config)
        self.db_path = cfg.resolve_db_path(db)
        # Only the default locations are created on first use: a file named on the command line
        # that is not there is a typo, and silently starting afresh would look like lost data.
        self._config_named = config is not None
        self._units = units
        self._config = None
        self._store = None

    @property
    def config(self):
        if self._config is None:
            from shoetrack import config as cfg

            self._config = cfg.load(
                self.config_path, units_override=self._units, must_exist=self._config_named
            )
        return self._config

    @property
    def units(self) -> str:
        return self.config.units

    def set_units(self, units: str | None) -> None:
        """`--units` given after the subcommand (`status --units km`)."""
        if units is not None:
            self._units = units
            self._config = None

    @property
    def store(self):
        if self._store is None:
            from shoetrack.store import open_store

            self._store = open_store(self.db_path, create=self._may_create_folder())
        return self._store

    def _may_create_folder(self) -> bool:
        """Whether the database's missing folder may be made: only the default location's. When
        the folder exists there is nothing to decide, and the default location is not looked up
        (platformdirs: ~4 ms of start-up)."""
        if self.db_path.parent.is_dir():
            return True
        from shoetrack.config import default_db_path

        return self.db_path == default_db_path()

    def close(self):
        if self._store is not None:
            self._store.close()


class LazyCommands(dict):
    """The root group's commands, name -> click command, filled as their modules are imported.

    Looking one up by name (what a run does) imports only the modules that define it (`modules`:
    name -> module names): defining all twenty commands costs ~4 ms of every start-up. Listing
    them (help, the reference, a walk over every command) imports every module first, so a
    listing is always complete."""

    def __init__(self, modules: dict[str, tuple[str, ...]]):
        super().__init__()
        self.modules = modules

    def load(self, name: str) -> None:
        for module in self.modules.get(name, ()):
            importlib.import_module(module)

    def _load_all(self) -> None:
        for name in self.modules:
            self.load(name)

    def __iter__(self):
        self._load_all()
        return super().__iter__()

    def __len__(self):
        self._load_all()
        return super().__len__()

    def keys(self):
        self._load_all()
        return super().keys()

    def values(self):
        self._load_all()
        return super().values()

    def items(self):
        self._load_all()
        return super().items()


UNITS = click.Choice(["mi", "km"])
UNITS_HELP = "Display units (overrides the config)."


def _units_callback(ctx, _param, value):
    app = ctx.find_object(App)
    if app is not None:
        app.set_units(value)


def units_option() -> click.Option:
    """The `--units` option every command accepts too, so it may follow the subcommand."""
    return click.Option(
        ["--units"], type=UNITS, expose_value=False, callback=_units_callback, help=UNITS_HELP
    )


pass_app = click.make_pass_decorator(App)


class Group(click.Group):
    """Turns every known error into one line on stderr and the right exit status: 2 for usage
    errors (bad option or value, unknown shoe), 1 for the rest. No usage dump, no traceback.
    Subgroups are of this class too, and every command added gets the `--units` option."""

    group_class = type

    def get_command(self, ctx, name):
        if isinstance(self.commands, LazyCommands) and name not in self.commands:
            self.commands.load(name)
        return super().get_command(ctx, name)

    def add_command(self, cmd, name=None):
        if not any(p.name == "units" for p in cmd.params):
            cmd.params.append(units_option())
        for p in cmd.params:
            _bound_integers(p)
        super().add_command(cmd, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ShoetrackError as e:
            exc = click.ClickException(str(e))
            exc.exit_code = e.exit_code
            raise exc from None
        except Exception as e:
            # A value the schema refuses, or a number beyond what SQLite holds (an id of 10^20):
            # a bad argument that got past the checks in front, wherever it surfaced.
            import sqlite3  # only on this path

            if not isinstance(e, (sqlite3.IntegrityError, OverflowError)):
                raise
            from shoetrack.store import refusal

            exc = click.ClickException(str(refusal(e)))
            exc.exit_code = 2
            raise exc from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if args is not None and any("\0" in str(a) for a in args):
            # A shell cannot pass a NUL byte in an argument; only a program can, by mistake.
            click.echo("Error: an argument contains a NUL byte", err=True)
            sys.exit(2)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as e:
            msg = e.format_message()
            if not isinstance(e, click.BadParameter) and e.ctx is not None:
                msg += f" (see '{e.ctx.command_path} --help')"
            click.echo(f"Error: {msg}", err=True)
            sys.exit(2)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db", metavar="PATH", help="Database file [env SHOETRACK_DB; default: user data dir]."
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (TOML) [env SHOETRACK_CONFIG; default: user config dir].",
)
@click.option("--units", type=UNITS, help=UNITS_HELP)
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv for debug).")
@click.version_option(package_name="shoetrack")
@click.pass_context
def cli(ctx, db, config_path, units, verbose):
    """shoetrack: know when your running shoes are worn out.

    Import GPX/FIT/TCX files or log runs by hand; shoetrack puts each run's distance on the
    right pair and tells you as a pair approaches its 300-500 mile replacement window.
    """
    if verbose:
        import logging  # ~3 ms of start-up: only for -v

        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    app = App(db, config_path, units)
    ctx.obj = app
    ctx.call_on_close(app.close)


# SQLite integers are 64-bit: a larger --limit or id would fail deep inside a query.
MAX_INT = 2**63 - 1


class _BoundedInt(click.types.IntParamType):
    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if abs(rv) > MAX_INT:
            self.fail(f"{value} is too large.", param, ctx)
        return rv


class _BoundedIntRange(click.IntRange):
    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if abs(rv) > MAX_INT:
            self.fail(f"{value} is too large.", param, ctx)
        return rv


def _bound_integers(param) -> None:
    """Refuse integers beyond what SQLite stores, in one line from click, for every integer
    option and argument (help texts and other messages stay as they were)."""
    t = param.type
    if type(t) is click.IntRange and t.max is None:
        param.type = _BoundedIntRange(t.min, None, min_open=t.min_open, clamp=t.clamp)
    elif type(t) is click.types.IntParamType:
        param.type = _BoundedInt()


def emit_json(obj) -> None:
    import json  # ~1 ms of start-up: only for --json

    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


def emit_json_list(items, *, rows: bool = False) -> None:
    """Print the iterable `items` as one JSON array, written as the items come: the same text as
    emit_json(list(items)), in flat memory however long a listing is.

    `rows`: every item is a non-empty dict of scalars, as a SQL row is. Then a batch of them goes
    through the C encoder in one call, with the item separator ",\n    " that lays out each
    row's keys as indent=2 does inside an array; the only "},\n    {" in that text is between
    two rows (values are scalars, and JSON escapes newlines inside strings), and it becomes the
    indented boundary. About 10x faster than the pure-Python indenting encoder. Other items are
    dumped with indent=2 one by one and shifted one level in; both give exactly what one dump of
    the whole list gives.
    """
    import json
    from itertools import islice

    batches = iter(lambda: list(islice(items, 512)), [])
    first = True
    if rows:
        encode = json.JSONEncoder(
            ensure_ascii=False, default=str, separators=(",\n    ", ": ")
        ).encode
        for batch in batches:
            text = encode(batch).replace("},\n    {", "\n  },\n  {\n    ")
            click.echo(
                ("[\n  {\n    " if first else ",\n  {\n    ") + text[2:-2] + "\n  }", nl=False
            )
            first = False
    else:
        for batch in batches:
            text = ",\n".join(
                "  "
                + json.dumps(item, indent=2, default=str, ensure_ascii=False).replace("\n", "\n  ")
                for item in batch
            )
            click.echo(("[\n" if first else ",\n") + text, nl=False)
            first = False
    click.echo("[]" if first else "\n]")


def table(rows: list[list], headers: list[str], *, align: str | None = None) -> None:
    """Plain-text table; `align` is a string of 'l'/'r' per column."""
    if not rows:
        return
    cells = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    align = align or "l" * len(headers)

    def fmt(row):
        out = []
        for i, c in enumerate(row):
            out.append(c.rjust(widths[i]) if align[i] == "r" else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    # Written in blocks of lines: one echo per line cost 75 ms against 45 ms for reassign's
    # 12,560-line table, and a block keeps what is held small for a long one.
    lines = [fmt(headers), "  ".join("-" * w for w in widths)]
    for r in cells:
        lines.append(fmt(r))
        if len(lines) >= _TABLE_BLOCK:
            click.echo("\n".join(lines))
            lines = []
    if lines:
        click.echo("\n".join(lines))


_TABLE_BLOCK = 1000  # lines per write


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)


def distance(app: App, text: str, *, param: str = "distance", allow_zero: bool = False) -> float:
    """Meters from user text, with the configured unit for bare numbers; errors exit 2."""
    from shoetrack.units import parse_distance

    try:
        return parse_distance(text, app.units, allow_zero=allow_zero)
    except ShoetrackError as e:
        raise click.BadParameter(str(e), param_hint=param) from None


def shoe_arg(app: App, ref: str):
    from shoetrack.shoes import resolve

    return resolve(app.store, ref)


def day(text: str | None, param: str):
    if text is None:
        return None
    from datetime import date

    from shoetrack.units import parse_day

    try:
        parsed = parse_day(text)
    except ShoetrackError as e:
        raise click.BadParameter(str(e), param_hint=param) from None
    # A range bound of year 1 or 9999 means "no bound"; kept a day inside the calendar so that
    # the day after it and its local midnight in any zone still exist.
    return min(max(parsed, date(1900, 1, 2)), date(9999, 12, 30))


def fmt_dist(app: App, meters) -> str:
    from shoetrack.units import format_distance

    return format_distance(meters, app.units)


def local_day(start_iso: str | None) -> str:
    if not start_iso:
        return "-"
    from shoetrack.units import local_date

    return local_date(start_iso).isoformat()


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
