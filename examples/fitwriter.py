"""A minimal FIT *writer* for examples and tests (not used by shoetrack itself).

It writes exactly what the FIT protocol describes (file header, definition and data messages,
CRC) and nothing the importer needs to "agree" with: the CRC is computed bit by bit here, the
field layouts are spelled out per message. Enough to build activities with sessions, laps and
records, multisport files, compressed timestamps, developer fields, big-endian definitions,
chained files, crashed recordings without a session, device-relative times and settings files.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)

# base types: name -> (base type byte, struct code, size)
ENUM, UINT8, UINT16, UINT32, SINT32, STRING, UINT32Z = (
    "enum",
    "u8",
    "u16",
    "u32",
    "s32",
    "str",
    "u32z",
)
_BT = {
    ENUM: (0x00, "B", 1),
    UINT8: (0x02, "B", 1),
    UINT16: (0x84, "H", 2),
    UINT32: (0x86, "I", 4),
    SINT32: (0x85, "i", 4),
    UINT32Z: (0x8C, "I", 4),
}
INVALID = {
    ENUM: 0xFF,
    UINT8: 0xFF,
    UINT16: 0xFFFF,
    UINT32: 0xFFFFFFFF,
    SINT32: 0x7FFFFFFF,
    UINT32Z: 0,
}

# Field layouts (field number, base type) of the messages this writer knows.
FILE_ID = 0, [(0, ENUM), (1, UINT16), (2, UINT16), (3, UINT32Z), (4, UINT32)]
SESSION = (
    18,
    [
        (253, UINT32),
        (2, UINT32),
        (3, SINT32),
        (4, SINT32),
        (5, ENUM),
        (6, ENUM),
        (7, UINT32),
        (8, UINT32),
        (9, UINT32),
        (254, UINT16),
    ],
)
LAP = (
    19,
    [
        (253, UINT32),
        (2, UINT32),
        (3, SINT32),
        (7, UINT32),
        (8, UINT32),
        (9, UINT32),
        (25, ENUM),
        (254, UINT16),
    ],
)
RECORD = 20, [(253, UINT32), (0, SINT32), (1, SINT32), (5, UINT32), (3, UINT8)]
RECORD_NO_TS = 20, [(0, SINT32), (1, SINT32), (5, UINT32), (3, UINT8)]  # for compressed headers
EVENT = 21, [(253, UINT32), (0, ENUM), (1, ENUM)]
ACTIVITY = 34, [(253, UINT32), (1, UINT16), (2, ENUM)]
SPORT = 12, [(0, ENUM), (1, ENUM), (3, STRING)]
DEVICE_SETTINGS = 2, [(1, UINT32)]


def crc16(data: bytes) -> int:
    """FIT CRC-16, bit by bit (polynomial 0xA001 reflected, init 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def fit_time(dt: datetime) -> int:
    """Seconds since the FIT epoch (1989-12-31T00:00:00Z)."""
    return int((dt - FIT_EPOCH).total_seconds())


def semicircles(deg: float) -> int:
    return int(round(deg * 2**31 / 180))


class FitWriter:
    """Builds one FIT file: ``define`` a local type, then write ``data`` messages with it."""

    def __init__(self, *, protocol: int = 0x20, profile: int = 2132):
        self.protocol = protocol
        self.profile = profile
        self.body = bytearray()
        self.layouts: dict[int, tuple] = {}

    def define(self, local: int, mesg, *, big_endian: bool = False, dev_fields=(), strings=None):
        """Define local type ``local`` as ``mesg`` = (global number, [(field, base type)]).

        ``dev_fields``: (field number, size, developer index) triples, skipped by readers.
        ``strings``: {field number: size} for string fields.
        """
        gnum, fields = mesg
        strings = strings or {}
        header = 0x40 | local | (0x20 if dev_fields else 0)
        out = bytearray([header, 0, 1 if big_endian else 0])
        out += struct.pack(">H" if big_endian else "<H", gnum)
        out.append(len(fields))
        for num, bt in fields:
            if bt == STRING:
                out += bytes([num, strings.get(num, 16), 0x07])
            else:
                out += bytes([num, _BT[bt][2], _BT[bt][0]])
        if dev_fields:
            out.append(len(dev_fields))
            for num, size, idx in dev_fields:
                out += bytes([num, size, idx])
        self.body += out
        self.layouts[local] = (fields, big_endian, strings, sum(s for _, s, _ in dev_fields))

    def data(self, local: int, values: dict, *, compressed_offset: int | None = None):
        """Write a data message; missing fields get their invalid value.

        ``compressed_offset``: write a compressed-timestamp header (local types 0-3) with this
        5-bit time offset instead of a normal header.
        """
        fields, big, strings, dev_size = self.layouts[local]
        if compressed_offset is None:
            out = bytearray([local])
        else:
            out = bytearray([0x80 | (local << 5) | (compressed_offset & 0x1F)])
        e = ">" if big else "<"
        for num, bt in fields:
            v = values.get(num)
            if bt == STRING:
                size = strings.get(num, 16)
                raw = (v or "").encode()[: size - 1]
                out += raw + bytes(size - len(raw))
            else:
                out += struct.pack(e + _BT[bt][1], INVALID[bt] if v is None else v)
        out += bytes(range(dev_size)) if dev_size else b""
        self.body += out

    def to_bytes(self, *, data_size: int | None = None) -> bytes:
        """The whole file: 14-byte header (with header CRC), messages, file CRC."""
        size = len(self.body) if data_size is None else data_size
        head = struct.pack("<BBHI4s", 14, self.protocol, self.profile, size, b".FIT")
        head += struct.pack("<H", crc16(head))
        raw = head + bytes(self.body)
        return raw + struct.pack("<H", crc16(raw))


def activity(
    start: datetime,
    sessions: list[dict],
    *,
    records_per_session: int = 20,
    manufacturer: int = 1,
    product: int = 2697,
    big_endian: bool = False,
    compressed: bool = False,
    dev_fields: bool = False,
    with_session: bool = True,
    with_laps: bool = True,
    lat: float | None = 46.05,
    lon: float | None = 14.50,
    sport_name: str | None = None,
    file_type: int = 4,
    raw_start: int | None = None,
    laps_per_session: int = 1,
    session_distance: bool = True,
    lap_distance: bool = True,
    repeat_sessions: int = 1,
) -> FitWriter:
    """An activity file: file_id, then per session its records, a lap and the session.

    Each session dict: sport (FIT number), sub_sport, distance_m, elapsed_s, timer_s (optional,
    defaults to elapsed_s). Records are spread evenly over the session, moving north-east from
    (lat, lon) when given; ``lat=None`` writes no positions (treadmill, pool).
    ``raw_start`` overrides the FIT start time (e.g. a device-relative value < 0x10000000).
    ``laps_per_session`` equal laps per session; ``session_distance=False`` /
    ``lap_distance=False`` leave total_distance out of the session / laps (some Suunto runs);
    ``repeat_sessions`` writes each session message that many times (a merge tool's duplicate).
    """
    w = FitWriter()
    w.define(0, FILE_ID, big_endian=big_endian)
    t0 = fit_time(start) if raw_start is None else raw_start
    w.data(0, {0: file_type, 1: manufacturer, 2: product, 3: 12345, 4: t0})
    if sport_name is not None:
        w.define(1, SPORT, strings={3: 16})
        w.data(1, {0: sessions[0]["sport"], 1: sessions[0].get("sub_sport", 0), 3: sport_name})
    rec_layout = RECORD_NO_TS if compressed else RECORD
    devs = [(0, 2, 0), (1, 4, 0)] if dev_fields else ()
    w.define(2 if compressed else 3, rec_layout, big_endian=big_endian, dev_fields=devs)
    w.define(4, LAP, big_endian=big_endian)
    w.define(5, SESSION, big_endian=big_endian)
    w.define(6, EVENT)
    w.define(7, ACTIVITY)
    t = t0
    dist_total = 0.0
    for i, s in enumerate(sessions):
        elapsed = s["elapsed_s"]
        seg_start = t
        w.data(6, {253: t, 0: 0, 1: 0})  # timer start
        _records(w, s, i, seg_start, dist_total, max(2, records_per_session), lat, lon, compressed)
        end = seg_start + int(round(elapsed))
        common = {
            253: end,
            2: seg_start,
            7: int(round(elapsed * 1000)),
            8: int(round(s.get("timer_s", elapsed) * 1000)),
            9: int(round(s["distance_m"] * 100)),
        }
        if lat is not None:
            common[3] = semicircles(lat)
        if with_laps:
            _laps(w, s, seg_start, elapsed, laps_per_session, lap_distance, common.get(3), i)
        if with_session:
            lon_sc = semicircles(lon) if lon is not None else None
            sess = {**common, 5: s["sport"], 6: s.get("sub_sport", 0), 254: i, 4: lon_sc}
            if not session_distance:
                del sess[9]
            for _ in range(repeat_sessions):
                w.data(5, sess)
        dist_total += s["distance_m"]
        t = end + 1
    if with_session:
        w.data(7, {253: t, 1: len(sessions), 2: 0})
    return w


def _records(
    w: FitWriter,
    s: dict,
    i: int,
    seg_start: int,
    dist_total: float,
    n: int,
    lat: float | None,
    lon: float | None,
    compressed: bool,
) -> None:
    """Session `i`'s `n` records, evenly over its time, its distance added to `dist_total` (m)."""
    elapsed = s["elapsed_s"]
    for k in range(n):
        frac = k / (n - 1)
        ts = seg_start + int(round(elapsed * frac))
        d = dist_total + s["distance_m"] * frac
        vals = {5: int(round(d * 100)), 3: 140}
        if lat is not None and lon is not None:
            vals[0] = semicircles(lat + 0.0001 * (i * n + k))
            vals[1] = semicircles(lon + 0.0001 * (i * n + k))
        if compressed:
            if k == 0:
                w.data(6, {253: ts, 0: 0, 1: 0})  # full timestamp to anchor the offsets
            w.data(2, vals, compressed_offset=ts & 0x1F)
        else:
            vals[253] = ts
            w.data(3, vals)


def _laps(
    w: FitWriter,
    s: dict,
    start: int,
    elapsed: float,
    n: int,
    with_distance: bool,
    lat_sc,
    index: int,
) -> None:
    """``n`` equal laps covering one session (local message type 4)."""
    for k in range(n):
        t0 = start + int(round(elapsed * k / n))
        t1 = start + int(round(elapsed * (k + 1) / n))
        lap = {
            253: t1,
            2: t0,
            7: (t1 - t0) * 1000,
            8: (t1 - t0) * 1000,
            25: s["sport"],
            254: index * n + k,
        }
        if with_distance:
            lap[9] = int(round(s["distance_m"] * 100 / n))
        if lat_sc is not None and k == 0:
            lap[3] = lat_sc
        w.data(4, lap)


def settings_file() -> bytes:
    """A FIT settings file (file_id.type = 2): valid, but not an activity."""
    w = FitWriter()
    w.define(0, FILE_ID)
    w.data(0, {0: 2, 1: 1, 2: 1561, 3: 1, 4: fit_time(datetime(2026, 1, 1, tzinfo=timezone.utc))})
    w.define(1, DEVICE_SETTINGS)
    w.data(1, {1: 0})
    return w.to_bytes()
