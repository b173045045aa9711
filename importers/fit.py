"""FIT activity reader: a small decoder that reads only the messages an activity summary needs.

Why not fitparse: it decodes every field of every message into Python objects (a 1 MB, 24,000-record
file takes ~11 s here) and raises TypeError/KeyError/struct.error on corrupt input. This decoder
walks the message stream and decodes only file_id (0), sport (12), session (18) and lap (19) with
one precompiled ``struct.Struct`` per definition; record messages (20) are skipped by their
definition's size, unless the file has no session (a watch that crashed) and the totals must be
rebuilt from the records.

FIT layout, as used here: a 12- or 14-byte file header (".FIT" at bytes 8-12, data size at 4-8),
data records, a 2-byte CRC; several such files may follow each other ("chained" FIT). A record
header byte is either a compressed-timestamp header (bit 7: local type in bits 5-6, a 5-bit time
offset) or a normal header (bit 6 = definition, bit 5 = has developer fields, bits 0-3 local
type). A definition gives the architecture (0 little, 1 big endian), the global message number,
and (field number, size, base type) triples, then optional developer field triples whose bytes
are skipped by size.

Units on the way out: meters (distance / 100), seconds (times / 1000), UTC datetimes.

CRC policy: the file CRC is verified. A mismatch on a file that otherwise decodes cleanly (every
message parsed, ending exactly where the header says) gives the activities with the warning
"file CRC mismatch"; a mismatch together with a structural problem is a ParseError. A truncated
file whose session messages were read keeps them, with the warning "file truncated"; a truncated
file without a session is rebuilt from its records (``recovered=True``), like a crashed watch.
"""

from __future__ import annotations

import math
import struct
from datetime import datetime, timezone

from . import _fit_profile as profile
from .model import Activity, NotAnActivity, ParseError, Undatable
from .sports import fit_sport
from .validate import check

# FIT date_time counts seconds from 1989-12-31T00:00:00Z (Unix 631065600).
FIT_EPOCH = 631_065_600
# date_time values below 0x10000000 count from device power-on, not from the FIT epoch.
DEVICE_RELATIVE_MAX = 0x10000000
_HEADER = struct.Struct("<BBHI4s")

# Base type number (low 5 bits of the base type byte) -> (struct code, size, invalid value,
# kind). kind 0: integer compared with its invalid value; 1: float (NaN/inf invalid);
# 2: string (NUL-terminated, empty = invalid).
_BASE = {
    0: ("B", 1, 0xFF, 0),  # enum
    1: ("b", 1, 0x7F, 0),  # sint8
    2: ("B", 1, 0xFF, 0),  # uint8
    3: ("h", 2, 0x7FFF, 0),  # sint16
    4: ("H", 2, 0xFFFF, 0),  # uint16
    5: ("i", 4, 0x7FFFFFFF, 0),  # sint32
    6: ("I", 4, 0xFFFFFFFF, 0),  # uint32
    7: ("s", 1, None, 2),  # string
    8: ("f", 4, None, 1),  # float32
    9: ("d", 8, None, 1),  # float64
    10: ("B", 1, 0, 0),  # uint8z
    11: ("H", 2, 0, 0),  # uint16z
    12: ("I", 4, 0, 0),  # uint32z
    13: ("B", 1, 0xFF, 0),  # byte
    14: ("q", 8, 0x7FFFFFFFFFFFFFFF, 0),  # sint64
    15: ("Q", 8, 0xFFFFFFFFFFFFFFFF, 0),  # uint64
    16: ("Q", 8, 0, 0),  # uint64z
}

MESG_FILE_ID, MESG_SPORT, MESG_SESSION, MESG_LAP, MESG_RECORD = 0, 12, 18, 19, 20
# Global message number -> {field number: key} of the fields decoded in the fast pass.
_WANT = {
    MESG_FILE_ID: {0: "type", 1: "manufacturer", 2: "product", 8: "product_name"},
    MESG_SPORT: {0: "sport", 1: "sub_sport", 3: "name"},
    MESG_SESSION: {
        253: "timestamp",
        2: "start_time",
        3: "lat",
        5: "sport",
        6: "sub_sport",
        7: "elapsed",
        8: "timer",
        9: "distance",
    },
    MESG_LAP: {
        253: "timestamp",
        2: "start_time",
        3: "lat",
        7: "elapsed",
        8: "timer",
        9: "distance",
        25: "sport",
        39: "sub_sport",
    },
}
# Records in the fast pass: only position_lat, and only until one valid position is seen
# (sessions from some devices, e.g. Apple Watch via Strava, carry no start position).
_WANT_RECORD_POS = {0: "lat"}
# Recovery pass (no session): every message's timestamp, plus record distance and position.
_WANT_RECORD_FULL = {253: "timestamp", 0: "lat", 5: "distance"}
_WANT_TIMESTAMP = {253: "timestamp"}
MESG_EVENT = 21
_WANT_EVENT = {253: "timestamp", 0: "event"}
_GEAR_CHANGE_EVENTS = {42, 43}  # front/rear gear change: only bikes have gears

FILE_TYPE_ACTIVITY = 4


class _Corrupt(Exception):
    """Internal: the message stream stopped making sense at some offset."""


def _build_decoder(fields, big_endian: bool, want: dict):
    """Return (unpack_from, keys) for the wanted fields of one definition, or None.

    ``fields`` is a sequence of (field number, size, base type byte). Fields whose size does not
    match their base type (arrays, or the "misaligned" fields some Coros files write) are
    skipped as padding: the summary fields this reader uses are always scalars.
    """
    fmt = [">" if big_endian else "<"]
    keys = []
    pad = 0
    for num, size, bt in fields:
        key = want.get(num)
        spec = _BASE.get(bt & 0x1F) if key is not None else None
        if spec is not None and (spec[3] == 2 or size == spec[1]):
            if pad:
                fmt.append(f"{pad}x")
                pad = 0
            code, _, invalid, kind = spec
            fmt.append(f"{size}s" if kind == 2 else code)
            keys.append((key, invalid, kind))
        else:
            pad += size
    if not keys:
        return None
    return struct.Struct("".join(fmt)).unpack_from, tuple(keys)


def _values(decoder, data, offset: int) -> dict:
    unpack, keys = decoder
    out = {}
    for (key, invalid, kind), v in zip(keys, unpack(data, offset), strict=True):
        if kind == 0:
            if v != invalid:
                out[key] = v
        elif kind == 1:
            if math.isfinite(v):
                out[key] = v
        else:
            s = v.split(b"\0", 1)[0]
            if s:
                out[key] = s.decode("utf-8", "replace")
    return out


class _Part:
    """What one FIT file of a (possibly chained) stream yielded."""

    __slots__ = ("file_ids", "sports", "sessions", "laps", "has_pos", "records", "gears")

    def __init__(self):
        self.file_ids: list[dict] = []
        self.sports: list[dict] = []
        self.sessions: list[dict] = []
        self.laps: list[dict] = []
        self.has_pos = False
        self.records: list[dict] = []
        self.gears = False  # gear-change events seen (recovery pass): the activity is a ride


def _decode(data, pos: int, end: int, part: _Part, recover: bool) -> int:
    """Decode messages in data[pos:end] into ``part``; return the offset where decoding stopped.

    Stops early (returning that offset) when a message would run past ``end``; raises _Corrupt
    when a data message uses an undefined local type or a definition is malformed.
    """
    defs: list = [None] * 16
    cache: dict = {}
    last_ts = None  # for compressed-timestamp headers (recovery pass only)
    while pos < end:
        h = data[pos]
        if h & 0x80:  # compressed-timestamp data message
            d = defs[(h >> 5) & 3]
        elif h & 0x40:  # definition
            got = _definition(data, pos, end, h, part, recover, cache)
            if got is None:
                return pos
            defs[h & 0x0F], pos = got
            continue
        else:
            d = defs[h & 0x0F]
        if d is None:
            raise _Corrupt(f"undefined local message type at byte {pos}")
        size, gnum, dec = d
        nxt = pos + 1 + size
        if nxt > end:
            return pos
        if dec is None:
            # A run of one skipped message type (records, one a second for hours) repeats the
            # same header byte: hop over the run without a full pass of the loop per message.
            step = 1 + size
            while nxt < end and data[nxt] == h and nxt + step <= end:
                nxt += step
        elif gnum == MESG_RECORD and not recover:
            # Position probe: stop decoding records once one valid position is seen.
            if _values(dec, data, pos + 1):
                part.has_pos = True
                _drop_record_decoders(defs, cache)
        else:
            vals = _values(dec, data, pos + 1)
            if h & 0x80:
                if recover and last_ts is not None:
                    vals["timestamp"] = last_ts = _compressed_ts(last_ts, h & 0x1F)
            elif "timestamp" in vals:
                last_ts = vals["timestamp"]
            _store(part, gnum, vals)
        pos = nxt
    return pos


def _compressed_ts(last_ts: int, off: int) -> int:
    """The full timestamp of a compressed-timestamp header: 5 bits of offset that roll over."""
    ts = (last_ts & ~0x1F) + off
    if off < (last_ts & 0x1F):
        ts += 0x20
    return ts


def _store(part: _Part, gnum: int, vals: dict) -> None:
    if gnum == MESG_SESSION:
        part.sessions.append(vals)
    elif gnum == MESG_LAP:
        part.laps.append(vals)
    elif gnum == MESG_RECORD:
        part.records.append(vals)
    elif gnum == MESG_EVENT:
        if vals.get("event") in _GEAR_CHANGE_EVENTS:
            part.gears = True
    elif gnum == MESG_FILE_ID:
        part.file_ids.append(vals)
    elif gnum == MESG_SPORT:
        part.sports.append(vals)


def _definition(data, pos: int, end: int, h: int, part: _Part, recover: bool, cache: dict):
    """(definition, offset after it) for the definition message at ``pos``; None if it runs
    past ``end``. A definition is (message size, global number, decoder or None)."""
    # reserved, architecture, global number (2), field count, fields (3 bytes each)
    if pos + 6 > end:
        return None
    nf = data[pos + 5]
    p = pos + 6 + 3 * nf
    dev_size = 0
    if h & 0x20:  # developer fields: skipped by their size
        if p + 1 > end:
            return None
        dev_end = p + 1 + 3 * data[p]
        if dev_end > end:
            return None
        dev_size = sum(data[p + 2 : dev_end : 3])
        p = dev_end
    elif p > end:
        return None
    raw = bytes(data[pos + 2 : p])
    d = cache.get((raw, h & 0x20))
    if d is None:
        arch = raw[0]
        if arch > 1:
            raise _Corrupt(f"bad architecture byte {arch} at byte {pos + 2}")
        big = arch == 1
        gnum = int.from_bytes(raw[1:3], "big" if big else "little")
        # Field triples start at raw[4]: (number, size, base type); sizes sum in C.
        size = sum(raw[5 : 4 + 3 * nf : 3]) + dev_size
        want = _wanted(gnum, part, recover)
        dec = None
        if want:
            f = raw[
                4 : 4 + 3 * nf
            ]  # a truncated definition gives fewer triples: zip stops at the last whole one
            dec = _build_decoder(zip(f[0::3], f[1::3], f[2::3], strict=False), big, want)
        d = cache[(raw, h & 0x20)] = (size, gnum, dec)
    return d, p


def _wanted(gnum: int, part: _Part, recover: bool) -> dict | None:
    """The fields to decode for messages of global number ``gnum`` in this pass."""
    if gnum == MESG_RECORD:
        if recover:
            return _WANT_RECORD_FULL
        return None if part.has_pos else _WANT_RECORD_POS
    want = _WANT.get(gnum)
    if want is None and recover:
        return _WANT_EVENT if gnum == MESG_EVENT else _WANT_TIMESTAMP
    return want


def _drop_record_decoders(defs: list, cache: dict) -> None:
    """After the first valid position, make record messages pure skips again."""
    for i, d in enumerate(defs):
        if d is not None and d[1] == MESG_RECORD and d[2] is not None:
            defs[i] = (d[0], d[1], None)
    for k, d in list(cache.items()):
        if d[1] == MESG_RECORD and d[2] is not None:
            cache[k] = (d[0], d[1], None)


# CRC-16 as specified by FIT: CRC-16/ARC (polynomial x^16 + x^15 + x^2 + 1, bit-reflected,
# initial value 0, no final XOR). A byte-at-a-time table loop costs ~70 ms per MB in CPython,
# ten times the decoding itself, so the CRC is computed with big-integer polynomial arithmetic
# instead (all loops run in C):
#   * With initial value 0 the CRC depends only on M(x) mod P(x), where M is the message read as
#     a GF(2) polynomial (first bit = highest degree) and P = (x + 1)(x^15 + x + 1).
#   * x^15 + x + 1 is primitive, so x^32767 = 1 mod P: XOR-ing 32767-byte chunks aligned on the
#     end of the message keeps M mod P (leading zero bytes do not change a CRC with init 0).
#   * M mod (x + 1) is the parity of M's bits; M mod (x^15 + x + 1) is reduced with
#     x^(15*2^k) = (x + 1)^(2^k) = x^(2^k) + 1 (the GF(2) Frobenius identity), a few shifts per
#     halving; the two residues give M mod P (Chinese remainders), whose 16-bit CRC is a table
#     look-up. tests/test_importers_fit.py checks it against the bitwise definition.
_REV8 = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))  # bit-reversal of each byte
_Q = (1 << 15) | 0b11  # x^15 + x + 1
_PERIOD = 32767  # bytes; x^(8 * 32767) = 1 mod P


def _crc_table():
    t8 = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        t8.append(c)
    return t8


_CRC8 = _crc_table()


def crc16_reference(data) -> int:
    """FIT CRC, byte at a time (the FIT SDK's definition): the yardstick for ``crc16``."""
    c = 0
    for b in bytes(data):
        c = (c >> 8) ^ _CRC8[(c ^ b) & 0xFF]
    return c


def crc16(data, start: int = 0, end: int | None = None) -> int:
    """FIT CRC-16 of data[start:end]; 0 when the range includes its stored CRC."""
    buf = bytes(memoryview(data)[start:end]).translate(_REV8)
    n = len(buf)
    if n > 2 * _PERIOD:
        acc = 0
        for k in range(n, 0, -_PERIOD):
            acc ^= int.from_bytes(buf[max(0, k - _PERIOD) : k], "big")
        m = acc
    else:
        m = int.from_bytes(buf, "big")  # bit d = coefficient of x^d
    parity = m.bit_count() & 1  # M mod (x + 1)
    d = m.bit_length()
    while d > 15:
        step = 1 << (((d - 1) // 15).bit_length() - 1)
        w = 15 * step
        h = m >> w
        m = (m & ((1 << w) - 1)) ^ h ^ (h << step)
        d = m.bit_length()
    if (m.bit_count() & 1) != parity:
        m ^= _Q
    b = m.to_bytes(2, "big").translate(_REV8)  # the 16-bit message with polynomial M mod P
    c = _CRC8[b[0]]
    return (c >> 8) ^ _CRC8[(c ^ b[1]) & 0xFF]


def _compiled_crc():
    """fastcrc's CRC-16/ARC, the optional accelerator (the `fast` extra): compiled code, ~35x
    faster than ``crc16`` on a 1 MB file (docs/benchmarks-importers.md); None when not installed
    (the reader needs nothing compiled but lxml). tests/test_importers_fit.py checks both give
    the same value on every corpus file."""
    try:
        from fastcrc.crc16 import arc
    except ImportError:
        return None
    return arc


_arc = _compiled_crc()


def file_crc(data, start: int = 0, end: int | None = None) -> int:
    """FIT CRC-16 of data[start:end], by the accelerator when installed, else ``crc16``."""
    if _arc is not None:
        return _arc(memoryview(data)[start:end])
    return crc16(data, start, end)


def _crc_ok(data, start: int, end: int) -> bool:
    return file_crc(data, start, end) == data[end] | (data[end + 1] << 8)


def _data_end(data, pos: int, start: int, dsize: int) -> tuple[int, bool]:
    """(where the messages of the file at ``pos`` end, whether all of them are there)."""
    n = len(data)
    if dsize == 0:
        # Some devices write the size only when a recording ends cleanly. The messages then
        # run to the end of the file, or to a final CRC when the last two bytes are one.
        return (n - 2 if n - start >= 2 and _crc_ok(data, pos, n - 2) else n), True
    end = start + dsize
    return (end, True) if end <= n else (n, False)


def scan(data: bytes, *, check_crc: bool = True, recover: bool = False):
    """Walk every chained FIT file in ``data``; return (parts, warnings).

    ``recover`` decodes records (timestamps, distance, positions) as well: used only when the
    fast pass found no session and no lap.
    """
    n = len(data)
    if n == 0:
        raise ParseError("empty file")
    parts: list[_Part] = []
    warnings: list[str] = []
    pos = 0
    while pos < n:
        if n - pos < 12:
            if not parts:
                raise ParseError("not a FIT file: too short for a FIT header")
            warnings.append(f"ignored {n - pos} trailing bytes")
            break
        hsize, _proto, _profile, dsize, sig = _HEADER.unpack_from(data, pos)
        if sig != b".FIT" or hsize < 12:
            if not parts:
                raise ParseError("not a FIT file: no .FIT signature")
            warnings.append(f"ignored {n - pos} trailing bytes")
            break
        start = pos + hsize
        end, clean = _data_end(data, pos, start, dsize)
        part = _Part()
        try:
            stop = _decode(data, start, end, part, recover)
        except _Corrupt as exc:
            if not (part.sessions or part.records):
                raise ParseError(f"corrupt FIT data: {exc}") from None
            warnings.append(f"corrupt FIT data after the last message read: {exc}")
            parts.append(part)
            break
        parts.append(part)
        if dsize == 0:
            # The size is unknown, so the end is wherever the messages stop; the last two bytes
            # may be a CRC (not checked: its position is unknown).
            warnings.append(
                f"FIT header has no data size (recording did not end cleanly): "
                f"messages read up to byte {stop} of {n}"
            )
            break
        if stop < end or not clean:
            warnings.append(f"file truncated at byte {stop} of {pos + hsize + dsize + 2}")
            break
        if end + 2 > n:
            warnings.append("file truncated: no CRC")
            break
        if check_crc and not _crc_ok(data, pos, end):
            warnings.append("file CRC mismatch: the data may be corrupt")
        pos = end + 2
    if any(w.startswith("file CRC mismatch") for w in warnings) and len(warnings) > 1:
        raise ParseError("corrupt FIT file: CRC mismatch and " + warnings[-1])
    return parts, warnings


def _utc(fit_ts: int) -> datetime:
    return datetime.fromtimestamp(FIT_EPOCH + fit_ts, tz=timezone.utc)


def _start(fit_ts: int | None, what: str) -> datetime:
    if fit_ts is None:
        raise Undatable(f"{what} has no start time")
    if fit_ts < DEVICE_RELATIVE_MAX:
        raise Undatable("start time counts from device power-on; no real date")
    return _utc(fit_ts)


def _device(file_id: dict | None) -> str | None:
    if not file_id:
        return None
    man = file_id.get("manufacturer")
    prod = file_id.get("product")
    man_name = profile.MANUFACTURER.get(man, f"manufacturer {man}") if man is not None else None
    if "product_name" in file_id:
        prod_name = file_id["product_name"]
    elif prod is not None and man in (1, 15, 13, 89):  # garmin, dynastream(_oem), tacx
        prod_name = profile.GARMIN_PRODUCT.get(prod, str(prod))
    else:
        prod_name = str(prod) if prod is not None else None
    return " ".join(x for x in (man_name, prod_name) if x) or None


def _sub_sport_name(n: int | None) -> str | None:
    return None if n is None else profile.SUB_SPORT.get(n, str(n))


def _sport_name(n: int | None) -> str | None:
    return None if n is None else profile.SPORT.get(n, str(n))


def read_bytes(data: bytes, *, name: str | None = None, date=None, check_crc: bool = True):
    """Activities in FIT ``data``: one per session (multisport files give several).

    ``name`` (the file name) only labels messages; ``date`` is ignored (FIT files carry their
    own dates). Raises NotAnActivity for settings/workout/course/monitoring files, Undatable
    for device-relative start times, ParseError for anything unreadable.
    """
    try:
        return [check(a) for a in _read(data, check_crc)]
    except ParseError:
        raise
    except (struct.error, IndexError, ValueError, OverflowError, KeyError, TypeError) as exc:
        # A bug or an input shape this decoder did not foresee: still one exception family.
        raise ParseError(f"unreadable FIT data ({type(exc).__name__}: {exc})") from None


def _read(data: bytes, check_crc: bool) -> list[Activity]:
    parts, warnings = scan(data, check_crc=check_crc)
    file_ids = [f for p in parts for f in p.file_ids]
    types = {f.get("type") for f in file_ids}
    if file_ids and FILE_TYPE_ACTIVITY not in types:
        t = next(iter(types - {None}), None)
        kind = profile.FILE_TYPE.get(t, f"type {t}") if t is not None else "untyped"
        raise NotAnActivity(f"not an activity: FIT {kind} file")
    sessions = _unique([s for p in parts for s in p.sessions])
    if not file_ids and not sessions:
        raise ParseError("FIT file without file_id or session message")
    ctx = _Context(data, parts, warnings, file_ids[0] if file_ids else None)
    if sessions:
        return [_from_session(ctx, s, i, len(sessions)) for i, s in enumerate(sessions)]
    # No session message: a crashed or interrupted recording. Laps first, then records.
    if ctx.laps:
        return [_from_laps(ctx)]
    return [_from_records(ctx)]


def _unique(sessions: list[dict]) -> list[dict]:
    """The sessions, each once: some devices and merge tools write the same session twice (same
    start, sport and distance), and it must count once."""
    seen = set()
    out = []
    for s in sessions:
        key = (
            s.get("start_time"),
            s.get("timestamp"),
            s.get("sport"),
            s.get("sub_sport"),
            s.get("distance"),
            s.get("elapsed"),
        )
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


class _Context:
    """What every activity of one FIT file shares."""

    def __init__(self, data: bytes, parts: list[_Part], warnings: list[str], file_id: dict | None):
        self.data = data
        self.parts = parts
        self.warnings = warnings
        self.laps = [lap for p in parts for lap in p.laps]
        self.sports = [s for p in parts for s in p.sports]
        self.has_pos = any(p.has_pos for p in parts)
        self.device = _device(file_id)
        self.extra: dict = {}
        if file_id:
            self.extra["fit_manufacturer"] = file_id.get("manufacturer")
            self.extra["fit_product"] = file_id.get("product")
        if len(parts) > 1:
            self.extra["fit_chained_files"] = len(parts)
        self._records: list[dict] | None = None

    def records(self) -> list[dict]:
        """Every record (timestamp, distance, position), decoded in a second pass on demand:
        the first pass skips records, which are almost all of a file."""
        if self._records is None:
            parts, _ = scan(self.data, check_crc=False, recover=True)
            self._records = [r for p in parts for r in p.records]
        return self._records


def _from_session(ctx: _Context, s: dict, index: int, count: int) -> Activity:
    fit_start = s.get("start_time")
    if fit_start is None and "timestamp" in s and "elapsed" in s:
        fit_start = s["timestamp"] - int(s["elapsed"] / 1000)
    sport_n, sub_n = s.get("sport"), s.get("sub_sport")
    if sport_n is None and len(ctx.sports) == 1:
        sport_n, sub_n = ctx.sports[0].get("sport"), ctx.sports[0].get("sub_sport")
    warnings = list(ctx.warnings)
    act = Activity(
        start=_start(fit_start, "session"),
        sport=fit_sport(sport_n, sub_n),
        distance_m=_session_distance(ctx, s, fit_start, count, warnings),
        source="fit",
        sub_sport=_sub_sport_name(sub_n),
        elapsed_s=s["elapsed"] / 1000 if "elapsed" in s else None,
        moving_s=s["timer"] / 1000 if "timer" in s else None,
        device=ctx.device,
        name=ctx.sports[0].get("name") if count == 1 and len(ctx.sports) == 1 else None,
        has_gps="lat" in s or ctx.has_pos,
        session_index=index,
        extra=dict(ctx.extra, fit_sport=_sport_name(sport_n)),
        warnings=warnings,
    )
    return act


def _session_distance(ctx: _Context, s: dict, fit_start, count: int, warnings: list) -> float:
    """The session's total_distance in meters; without one (some Suunto runs), the sum of its
    laps' distances, else its last record distance, with a warning saying which."""
    if "distance" in s:
        return s["distance"] / 100
    lo = fit_start
    hi = s.get("timestamp")
    if hi is None and lo is not None and "elapsed" in s:
        hi = lo + int(s["elapsed"] / 1000) + 1

    def inside(m: dict, key: str) -> bool:  # a lap or record of this session
        if count == 1:
            return True
        t = m.get(key)
        return t is not None and lo is not None and hi is not None and lo <= t <= hi

    laps = [lap["distance"] for lap in ctx.laps if "distance" in lap and inside(lap, "start_time")]
    if laps:
        warnings.append(f"session has no total distance: sum of its {len(laps)} laps used")
        return sum(laps) / 100
    dists = [r["distance"] for r in ctx.records() if "distance" in r and inside(r, "timestamp")]
    if dists:
        warnings.append("session has no total distance: its last record distance used")
        return dists[-1] / 100
    warnings.append("session has no total distance, and no lap or record has one: 0 m")
    return 0.0


def _from_laps(ctx: _Context) -> Activity:
    laps = ctx.laps
    sport_n = laps[0].get("sport")
    sub_n = laps[0].get("sub_sport")
    if sport_n is None and ctx.sports:
        sport_n, sub_n = ctx.sports[0].get("sport"), ctx.sports[0].get("sub_sport")
    elapsed = [lap["elapsed"] for lap in laps if "elapsed" in lap]
    timers = [lap["timer"] for lap in laps if "timer" in lap]
    return Activity(
        start=_start(laps[0].get("start_time"), "first lap"),
        sport=fit_sport(sport_n, sub_n),
        distance_m=sum(lap.get("distance", 0) for lap in laps) / 100,
        source="fit",
        sub_sport=_sub_sport_name(sub_n),
        elapsed_s=sum(elapsed) / 1000 if elapsed else None,
        moving_s=sum(timers) / 1000 if timers else None,
        device=ctx.device,
        has_gps=any("lat" in lap for lap in laps) or ctx.has_pos,
        recovered=True,
        extra=dict(ctx.extra, fit_sport=_sport_name(sport_n)),
        warnings=[*ctx.warnings, "no session message: totals rebuilt from laps"],
    )


def _from_records(ctx: _Context) -> Activity:
    records = ctx.records()
    times = [r["timestamp"] for r in records if "timestamp" in r]
    if not times:
        raise ParseError("FIT activity without session, lap or timed record")
    dists = [r["distance"] for r in records if "distance" in r]
    sports = ctx.sports
    sport_n = sports[0].get("sport") if sports else None
    sub_n = sports[0].get("sub_sport") if sports else None
    if sport_n is None and any(p.gears for p in ctx.parts):
        sport_n = 2  # cycling: the file has no sport, but it logged gear changes
    return Activity(
        start=_start(times[0], "first record"),
        sport=fit_sport(sport_n, sub_n),
        distance_m=dists[-1] / 100 if dists else 0.0,
        source="fit",
        sub_sport=_sub_sport_name(sub_n),
        elapsed_s=float(times[-1] - times[0]),
        moving_s=None,
        device=ctx.device,
        has_gps=any("lat" in r for r in records),
        recovered=True,
        extra=dict(ctx.extra, fit_sport=_sport_name(sport_n), fit_records=len(records)),
        warnings=[*ctx.warnings, "no session message: totals rebuilt from records"],
    )
