"""Paths as shoetrack stores and shows them: absolute without resolving symlinks, names that are
not UTF-8 escaped, and readable in a table. Kept apart from the import pipeline so that a
command that only shows paths (`imports`) does not load it (about 14 ms)."""

from __future__ import annotations

import os
from pathlib import Path

SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
_FOLDED = os.sep == "/" and os.altsep is None  # POSIX paths: `absolute_text`'s shortcut applies


def absolute(path: str | Path) -> Path:
    """`path` made absolute against the current folder, with `~` expanded and `..` folded, but
    symlinks NOT resolved: a rule such as `*/Trail/*` is written against the path the runner
    sees, and a Trail folder that is a symlink to a disk elsewhere must still match it.

    Folding `link/..` by text would name another file than the system opens when `link` is a
    symlink; such a path is resolved instead."""
    return Path(absolute_text(path))


def absolute_text(path: str | Path) -> str:
    """`absolute()` as text: string operations only, as it runs once per file imported."""
    text = os.fspath(path)
    if _FOLDED and text[:1] == "/" and "/." not in text and "//" not in text and text[-1] != "/":
        # Absolute with no ".", ".." or empty part (as every path of a folder walk is): nothing
        # to expand or fold.
        return text
    text = os.path.expanduser(text)
    joined = text if os.path.isabs(text) else os.path.join(os.getcwd(), text)
    folded = os.path.normpath(joined)
    parts = joined.replace(os.altsep, os.sep).split(os.sep) if os.altsep else joined.split(os.sep)
    if ".." in parts:
        try:
            same = os.path.samefile(folded, joined)  # stat() only: safe on a FIFO
        except OSError:
            same = not os.path.exists(joined)
        if not same:
            return os.path.realpath(joined)
    return folded


def stored_path(path: str | Path) -> str:
    """The text stored for a path: absolute, and a name that is not valid UTF-8 (which Python
    carries as surrogate escapes, and SQLite cannot store) written with \\x escapes instead."""
    return escaped(absolute_text(path))


def escaped(path: str | Path) -> str:
    """A path as valid UTF-8 text: bytes that are not UTF-8 written as \\xNN."""
    text = os.fspath(path)
    if isinstance(text, str) and text.isascii():  # nearly every name: nothing to escape
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def shown(path: str | None) -> str:
    """A stored path as people read it: `~/...` under the home folder, and control characters
    (a newline in a file name would split a table row) escaped."""
    if not path:
        return ""
    home = os.path.expanduser("~").rstrip(os.sep)
    if home and path.startswith(home + os.sep):
        path = "~" + path[len(home) :]
    if path.isprintable():  # nearly every name: nothing to escape
        return path
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in path
    )


def is_activity_file(path: str | Path) -> bool:
    name = os.path.basename(os.fspath(path)).lower()
    return name.endswith(SUFFIXES) and not name.startswith(".")
