"""Activity files -> normalized activities: ``read(path)`` for FIT, GPX, TCX, optionally gzipped.

Pure functions, no database, no logging setup, nothing from ``shoetrack``. The format is detected
from the content (FIT header signature, XML root element, gzip magic), not from the file name.
Every failure is a ``ParseError`` (or its subclasses ``NotAnActivity`` and ``Undatable``) whose
``str()`` is a one-line reason for the import log.
"""

from __future__ import annotations

import importlib
import os
import zlib

from .model import (
    EARLIEST_START,
    MAX_BYTES,
    MAX_DISTANCE_M,
    RUN_SPORTS,
    SHOE_SPORTS,
    SPORTS,
    Activity,
    NotAnActivity,
    ParseError,
    Undatable,
)

__all__ = [
    "EARLIEST_START",
    "MAX_BYTES",
    "MAX_DISTANCE_M",
    "READERS",
    "RUN_SPORTS",
    "SHOE_SPORTS",
    "SPORTS",
    "Activity",
    "NotAnActivity",
    "ParseError",
    "Undatable",
    "detect",
    "read",
    "read_bytes",
]

# MAX_BYTES (importers.model) caps the file and the decompressed gzip payload: decompression
# stops as soon as it is exceeded.
_CHUNK = 1 << 20

# The registry: format -> reader module (each has ``read_bytes(data, *, name, date)``). The
# modules load on first use: they compile regexes and tables that a CLI command which only
# needs the sport vocabulary (`shoetrack status`) should not pay for at start-up.
_READER_MODULES = {"fit": "importers.fit", "gpx": "importers.gpx", "tcx": "importers.tcx"}


def reader(fmt: str):
    """The ``read_bytes`` function registered for ``fmt``."""
    return importlib.import_module(_READER_MODULES[fmt]).read_bytes


def __getattr__(name: str):
    if name == "READERS":  # {format: read_bytes}, built on demand
        return {fmt: reader(fmt) for fmt in _READER_MODULES}
    raise AttributeError(f"module 'importers' has no attribute {name!r}")


_XML_ROOTS = {"gpx": "gpx", "TrainingCenterDatabase": "tcx"}


def detect(data: bytes) -> str:
    """Format of ``data``: "fit", "gpx", "tcx" or "gzip" (a wrapper: unwrap and detect again).

    Raises ParseError("empty file"), ParseError for unknown content, and ParseError for XML with
    a DOCTYPE (refused before any entity could be expanded).
    """
    if not data:
        raise ParseError("empty file")
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        from ._xml import remember_root, root_name

        root = root_name(data)
        fmt = _XML_ROOTS.get(root)
        if fmt is None:
            raise ParseError(f"unknown XML format: root element <{root[:40]}>")
        remember_root(data, root)  # the reader's own prolog check takes it from there
        return fmt
    raise ParseError("unknown format: not FIT, GPX, TCX or gzip")


def gunzip(data: bytes, limit: int = MAX_BYTES, *, check=None) -> bytes:
    """Decompress gzip ``data`` (all members), refusing output larger than ``limit`` bytes.

    Works in 1 MiB steps with ``max_length``, so memory stays near ``limit`` whatever the
    stream claims (the gzip size trailer cannot be trusted). ``check(out, used)``, if given, is
    called after each step with the bytes produced and the compressed bytes consumed so far,
    and may raise to stop (an archive reader refuses a ratio no real file has).
    """
    out = bytearray()
    rest = data
    try:
        while rest:
            d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            buf = rest
            while True:
                chunk = d.decompress(buf, _CHUNK)
                out += chunk
                if check is not None:
                    check(len(out), len(data) - len(d.unconsumed_tail))
                if len(out) > limit:
                    raise ParseError(f"refused: gzip data expands beyond {limit // 2**20} MiB")
                buf = d.unconsumed_tail
                if d.eof:
                    break
                if not buf and not chunk:
                    raise ParseError("truncated gzip data")
            rest = d.unused_data
            if rest and rest[:2] != b"\x1f\x8b":
                break  # trailing garbage after the last member, as gzip(1) tolerates
    except zlib.error as exc:
        raise ParseError(f"corrupt gzip data: {exc}") from None
    return bytes(out)


def read_bytes(data: bytes, *, name: str | None = None, date=None) -> list[Activity]:
    """Activities in ``data`` (FIT, GPX or TCX, optionally gzipped once).

    ``date`` (a ``datetime.date`` or an aware ``datetime``) dates a GPX without timestamps and is
    ignored otherwise. Raises only ParseError and its subclasses.
    """
    fmt = detect(data)
    if fmt == "gzip":
        data = gunzip(data)
        fmt = detect(data)
        if fmt == "gzip":
            raise ParseError("refused: gzip inside gzip")
    try:
        return reader(fmt)(data, name=name, date=date)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"{fmt.upper()} nesting too deep") from None
    except MemoryError:
        raise ParseError(f"{fmt.upper()} file too large to read") from None


def read(path, *, date=None) -> list[Activity]:
    """Activities in the file at ``path``; see ``read_bytes``. OS errors become ParseError."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ParseError(f"refused: file larger than {MAX_BYTES // 2**20} MiB")
    return read_bytes(data, name=os.path.basename(os.fspath(path)), date=date)
