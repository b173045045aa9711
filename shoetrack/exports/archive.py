"""Reading an export safely: a zip file, an unzipped folder, and zips nested in either.

Nothing is extracted to disk under a member's name: members are read into memory (activity files
are small) or streamed in chunks (a Health export.xml runs to gigabytes). What an archive declares
is not trusted: names with `..` or an absolute path are ignored and listed in `problems`; the
number of entries is checked from the end-of-central-directory record before the directory is
parsed; overlapping entries (the classic zip bomb) refuse the archive; each member's decompressed
bytes are counted while they stream, against a per-member cap, a compression-ratio cap and one
budget shared by every layer. Sizes are bytes throughout.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import importers
from shoetrack.errors import ShoetrackError

MAX_ENTRIES = 50_000  # a 10-year Strava export holds ~5,000 files; refuse far beyond that
MAX_DIRECTORY = 32 * 2**20  # central directory bytes read to count entries
MAX_MEMBER = 64 * 2**20  # one activity file or JSON/CSV table (as importers.MAX_BYTES)
MAX_DOCUMENT = 16 * 2**30  # a streamed document (Health export.xml)
MAX_NESTED = 8 * 2**30  # one nested zip (Garmin UploadedFiles_*.zip)
MAX_TOTAL = 64 * 2**30  # everything decompressed from one export, all layers together
MAX_RATIO = 150  # deflate reaches ~1000:1 only on degenerate data; XML and CSV stay far below
RATIO_FLOOR = 2**20  # small members may compress well beyond the ratio: check past 1 MiB
MAX_DEPTH = 2  # the export and one level of zips inside it
_CHUNK = 1 << 20
_RAW = 1 << 14  # compressed bytes per step: small, so the ratio check trips within a few MiB


class ArchiveError(ShoetrackError):
    """The whole archive (or a nested zip) is refused: one line saying why."""


class MemberError(ShoetrackError):
    """One member cannot be read (damaged, too large, unsupported): it fails alone."""


def safe_name(name: str) -> str | None:
    """The member name with / separators, or None for a name that could escape the export
    (absolute, a drive letter, a `..` part)."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return None
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


class Budget:
    """Decompressed bytes allowed for one export, across all layers."""

    def __init__(self, total: int = MAX_TOTAL):
        self.left = total
        self.total = total

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ArchiveError(f"refused: the export expands beyond {self.total // 2**20} MiB")


def _entry_count(f, size: int) -> int:
    """Entries the zip's end record declares, and at most MAX_DIRECTORY bytes of its central
    directory counted record by record (a declared count may lie). Raises ArchiveError."""
    tail_len = min(size, 65535 + 22)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise ArchiveError("not a zip file (no end-of-directory record)")
    _, _, _, count, cd_size, cd_offset = struct.unpack("<4HII", tail[pos + 4 : pos + 20])
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = tail[pos - 20 : pos] if pos >= 20 else b""
        if loc[:4] != b"PK\x06\x07":
            raise ArchiveError("damaged zip64 end record")
        (rec_offset,) = struct.unpack("<Q", loc[8:16])
        f.seek(rec_offset)
        rec = f.read(56)
        if rec[:4] != b"PK\x06\x06":
            raise ArchiveError("damaged zip64 end record")
        count, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
    if count > MAX_ENTRIES:
        raise ArchiveError(f"refused: {count} entries (at most {MAX_ENTRIES})")
    eocd = size - tail_len + pos
    directory = b""
    # Where the directory starts: as declared, else just before the end records (a zip with
    # bytes prepended, such as a self-extractor, shifts every offset).
    for start in (cd_offset, eocd - cd_size, eocd - 76 - cd_size):
        if 0 <= start < size:
            f.seek(start)
            directory = f.read(min(cd_size, MAX_DIRECTORY))
            if directory[:4] == b"PK\x01\x02":
                break
    seen, at = 0, 0
    while at + 46 <= len(directory) and directory[at : at + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<3H", directory[at + 28 : at + 34])
        at += 46 + n + m + k
        seen += 1
        if seen > MAX_ENTRIES:
            raise ArchiveError(f"refused: more than {MAX_ENTRIES} entries")
    return max(count, seen)


class _Zip:
    """One zip layer over a seekable binary file."""

    def __init__(self, f, label: str):
        self.f = f
        f.seek(0, os.SEEK_END)
        self.size = f.tell()
        _entry_count(f, self.size)
        try:
            infos = zipfile.ZipFile(f).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise ArchiveError(f"damaged zip: {e}") from None
        if len(infos) > MAX_ENTRIES:
            raise ArchiveError(f"refused: more than {MAX_ENTRIES} entries")
        _check_overlap(infos)
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.problems: list[tuple[str, str]] = []
        for info in infos:
            if info.is_dir():
                continue
            name = safe_name(info.filename)
            if name is None:
                self.problems.append((info.filename, "ignored: the name points outside the export"))
            elif name not in self.entries:
                self.entries[name] = info

    def names(self) -> list[str]:
        return list(self.entries)

    def chunks(self, name: str, limit: int, budget: Budget) -> Iterator[bytes]:
        """The member's bytes in chunks of at most 1 MiB, decompressed here so that every byte
        is counted; the CRC is checked at the end."""
        info = self.entries[name]
        if info.flag_bits & 0x1:
            raise MemberError("encrypted member")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise MemberError(f"unsupported compression method {info.compress_type}")
        self.f.seek(info.header_offset)
        head = self.f.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise MemberError("damaged member (no local header)")
        n, m = struct.unpack("<2H", head[26:30])
        start = info.header_offset + 30 + n + m
        left = min(info.compress_size, max(0, self.size - start))
        d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        out = used = crc = 0
        pos = start
        while left > 0 or (d is not None and d.unconsumed_tail):
            if d is not None and d.unconsumed_tail:
                raw = d.unconsumed_tail
            else:
                self.f.seek(pos)
                raw = self.f.read(min(left, _RAW))
                if not raw:
                    break
                pos += len(raw)
                left -= len(raw)
                used += len(raw)
            try:
                chunk = d.decompress(raw, _CHUNK) if d is not None else raw
            except zlib.error as e:
                raise MemberError(f"damaged member: {e}") from None
            if not chunk:
                continue
            out += len(chunk)
            _check_growth(out, used, limit)
            budget.take(len(chunk))
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if d is not None and not d.eof:
            raise MemberError("damaged member: truncated compressed data")
        if crc != info.CRC:
            raise MemberError("damaged member: CRC mismatch")


def _check_growth(out: int, used: int, limit: int) -> None:
    if out > limit:
        raise MemberError(f"refused: expands beyond {limit // 2**20} MiB")
    if out > RATIO_FLOOR and out > MAX_RATIO * max(used, 1):
        raise MemberError(f"refused: expands more than {MAX_RATIO} times (a zip bomb?)")


def _check_overlap(infos: list[zipfile.ZipInfo]) -> None:
    """Entries whose data overlap (many names over one compressed stream) refuse the archive."""
    spans = sorted((i.header_offset, i.header_offset + 30 + i.compress_size) for i in infos)
    for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False):
        if b_start < a_end:
            raise ArchiveError("refused: overlapping entries (a zip bomb)")


class _Folder:
    """An unzipped export: regular files under a folder, symbolic links not followed."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[tuple[str, str]] = []
        self.entries: dict[str, Path] = {}
        for base, dirs, files in os.walk(root):
            dirs.sort()
            for fn in sorted(files):
                p = Path(base) / fn
                rel = p.relative_to(root).as_posix()
                if p.is_symlink():
                    self.problems.append((rel, "ignored: a symbolic link"))
                    continue
                self.entries[rel] = p
                if len(self.entries) > MAX_ENTRIES:
                    raise ArchiveError(f"refused: more than {MAX_ENTRIES} files")

    def names(self) -> list[str]:
        return list(self.entries)

    def chunks(self, name: str, limit: int, budget: Budget) -> Iterator[bytes]:
        out = 0
        try:
            with open(self.entries[name], "rb") as f:
                while chunk := f.read(_CHUNK):
                    out += len(chunk)
                    if out > limit:
                        raise MemberError(f"refused: larger than {limit // 2**20} MiB")
                    budget.take(len(chunk))
                    yield chunk
        except OSError as e:
            raise MemberError(f"cannot read: {e.strerror or e}") from None


class Archive:
    """An export opened for reading: `names()` of its members (outer layer), `read()` one member
    into memory, `chunks()` to stream one, `nested()` to open a zip inside it. `problems` lists
    (name, reason) for entries ignored. Use as a context manager."""

    def __init__(self, layer, label: str, budget: Budget, depth: int = 1, closing=None):
        self.layer = layer
        self.label = label
        self.budget = budget
        self.depth = depth
        self._closing = closing or []

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        while self._closing:
            self._closing.pop().close()

    @property
    def problems(self) -> list[tuple[str, str]]:
        return self.layer.problems

    def names(self) -> list[str]:
        return self.layer.names()

    def vpath(self, name: str) -> str:
        """How a member is named in the import log: `export_1.zip!activities/2.fit.gz`."""
        return f"{self.label}!{name}"

    def chunks(self, name: str, limit: int = MAX_DOCUMENT) -> Iterator[bytes]:
        return self.layer.chunks(name, limit, self.budget)

    def read(self, name: str, limit: int = MAX_MEMBER) -> bytes:
        """The member's bytes; raises MemberError (or ArchiveError when the budget runs out)."""
        return b"".join(self.chunks(name, limit))

    @contextmanager
    def nested(self, name: str) -> Iterator[Archive]:
        """The zip stored as member `name`, opened as an Archive of its own. A stored member is
        read in place from a folder; one inside a zip is copied, counted, into an anonymous
        temporary file (it has no name on disk: nothing is ever written under a member's name)."""
        if self.depth >= MAX_DEPTH:
            raise MemberError("refused: a zip nested too deep")
        label = self.vpath(name)
        f: IO[bytes]
        if isinstance(self.layer, _Folder):
            f = open(self.layer.entries[name], "rb")  # noqa: SIM115 - closed with the Archive
        else:
            f = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the Archive
            try:
                for chunk in self.chunks(name, MAX_NESTED):
                    f.write(chunk)
            except BaseException:
                f.close()
                raise
        try:
            inner = Archive(_Zip(f, label), label, self.budget, self.depth + 1, [f])
        except BaseException:
            f.close()
            raise
        with inner:
            yield inner


def open_export(
    path: str | Path, budget: Budget | None = None, label: str | None = None
) -> Archive:
    """Open a zip file or a folder as an Archive; `label` names it in virtual paths (default:
    the path as given). Raises ArchiveError."""
    path = Path(path)
    budget = budget or Budget()
    label = label or str(path)
    if path.is_dir():
        return Archive(_Folder(path), label, budget)
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed with the Archive
    except OSError as e:
        raise ArchiveError(f"cannot read {path.name}: {e.strerror or e}") from None
    try:
        return Archive(_Zip(f, label), label, budget, closing=[f])
    except BaseException:
        f.close()
        raise


def gunzip(data: bytes, limit: int = MAX_MEMBER) -> bytes:
    """Decompress a gzip member (`.fit.gz` in a Strava export) under the same caps as a zip
    member: at most `limit` bytes and MAX_RATIO times the compressed bytes read so far, so a
    gzip bomb inside a zip is refused after a megabyte or so, whatever it claims."""
    try:
        return importers.gunzip(
            data, limit, check=lambda out, used: _check_growth(out, used, limit)
        )
    except importers.ParseError as e:
        raise MemberError(f"damaged: {e}") from None
