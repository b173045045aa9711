"""Hostile input: truncated, bit-flipped and random bytes, gzip bombs.

The contract: the only exception that escapes ``importers.read_bytes`` is ParseError (or a
subclass), every call returns within a bound, and memory stays bounded. Budget: 200 examples per
property by default; ``SHOETRACK_FUZZ_EXAMPLES=5000`` (or ``-m slow`` tests) for a long run.
"""

from __future__ import annotations

import gzip
import os
import re
import time
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_fixtures import START, fit_run, fitwriter, gpx_doc, line_points, tcx_activity, tcx_doc

import importers
from importers import ParseError

EXAMPLES = int(os.environ.get("SHOETRACK_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TIME_BOUND_S = 2.0
MEMORY_BOUND = 32 * 2**20

SEEDS = {
    "fit": fit_run(records_per_session=30),
    "fit_multi": fit_run(
        sessions=[
            {"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500},
            {"sport": 2, "distance_m": 9000.0, "elapsed_s": 1800},
        ],
        dev_fields=True,
        big_endian=True,
    ),
    "fit_nosession": fit_run(
        with_session=False, with_laps=False, compressed=True, records_per_session=40
    ),
    "gpx": gpx_doc(line_points(30), type_="running").encode(),
    "tcx": tcx_doc(f"<Activities>{tcx_activity()}</Activities>"),
}
SEEDS["gz"] = gzip.compress(SEEDS["gpx"], mtime=0)
# The newer reader code: session distance fall-backs, duplicate sessions, a header without data
# size, GPX outings and untyped tracks (sport inference), TCX without a sport.
SEEDS["fit_nodist"] = fit_run(laps_per_session=4, session_distance=False, repeat_sessions=2)
SEEDS["fit_nosize"] = fitwriter.activity(
    START, [{"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500}]
).to_bytes(data_size=0)
SEEDS["gpx_outings"] = gpx_doc(
    None,
    segments=[
        line_points(8, dlat=0.0004),
        line_points(8, start="2026-03-15T07:30:00"),
        line_points(8, start="2026-03-16T07:30:00"),
    ],
).encode()
SEEDS["tcx_untyped"] = tcx_doc(f"<Activities>{tcx_activity()}</Activities>").replace(
    b' Sport="Running"', b""
)


def call(data: bytes):
    """read_bytes under a clock: only ParseError may escape, and only slowly enough."""
    t = time.perf_counter()
    try:
        acts = importers.read_bytes(data)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        acts = None
    assert time.perf_counter() - t < TIME_BOUND_S
    return acts


@st.composite
def mutated(draw):
    seed = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
    data = bytearray(seed)
    op = draw(st.sampled_from(["truncate", "flip", "bytes", "splice"]))
    if op == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if op == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if op == "bytes":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data)
    i = draw(st.integers(0, len(data)))
    return bytes(data[:i]) + draw(st.binary(max_size=64)) + bytes(data[i:])


# Times a UTC offset pushes out of the calendar, and other shapes fromisoformat reads on some
# Pythons only: only ParseError may come out, on every interpreter alike.
TIME_TEXTS = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-05:00",
    "0000-00-00T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-03-14T23:59:60Z",
    "2026-W11-6T07:30:00",
    "20260314T073000Z",
    "2026-03-14",
    "+2026-03-14T07:30:00Z",
    "2026-03-14T07:30:00+99:99",
    "\u0662\u0660\u0662\u0666-03-14T07:30:00Z",
    "9" * 400,
    "",
]


@st.composite
def with_bad_times(draw):
    """A GPX or TCX seed with some of its time texts replaced."""
    name = draw(st.sampled_from(["gpx", "gpx_outings", "tcx", "tcx_untyped"]))
    data = SEEDS[name].decode()
    stamps = sorted(set(re.findall(r"\d{4}-\d\d-\d\dT[\d:.]+Z", data)))
    for old in draw(st.lists(st.sampled_from(stamps), min_size=1, max_size=3)):
        data = data.replace(
            old, draw(st.one_of(st.sampled_from(TIME_TEXTS), st.text(max_size=30))), 1
        )
    return data.encode("utf-8", "surrogatepass")


def _public_readers(data: bytes, tmp_path) -> None:
    """Every public way in: importers.read (a path), read_bytes, and each format's reader."""
    path = tmp_path / "in.bin"
    path.write_bytes(data)
    for fn in (
        lambda: importers.read(path),
        lambda: importers.read_bytes(data),
        *(lambda r=r: r(data, name="x", date=None) for r in importers.READERS.values()),
    ):
        try:
            acts = fn()
        except ParseError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(acts, list)


@FUZZ
@given(st.one_of(mutated(), with_bad_times()))
def test_public_read_functions_raise_only_parse_errors(tmp_path_factory, data):
    _public_readers(data, tmp_path_factory.mktemp("fuzz"))


@FUZZ
@given(mutated())
def test_mutated_files_raise_only_parse_error(data):
    call(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_raise_only_parse_error(data):
    call(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_behind_a_fit_header(data):
    header = SEEDS["fit"][:14]
    call(header + data)


def test_mutations_keep_memory_bounded():
    tracemalloc.start()
    try:
        for seed in SEEDS.values():
            for i in range(0, len(seed), max(1, len(seed) // 50)):
                data = bytearray(seed)
                data[i] ^= 0xFF
                call(bytes(data))
                call(seed[:i])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND


def _gzip_of_zeros(total: int) -> bytes:
    """gzip of ``total`` zero bytes, built in 1 MiB steps (never holds the plain data)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    out = [c.compress(block) for _ in range(total >> 20)]
    out.append(c.flush())
    return b"".join(out)


def test_gzip_bomb_refused_fast_with_bounded_memory():
    bomb = _gzip_of_zeros(1 << 30)  # 1 GiB of zeros, ~1 MB compressed
    assert len(bomb) < 2 * 2**20
    tracemalloc.start()
    t = time.perf_counter()
    try:
        with pytest.raises(ParseError, match="refused: gzip data expands beyond 64 MiB"):
            importers.read_bytes(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t < 2.0
    assert peak < 160 * 2**20  # the 64 MiB cap plus one growth step, not 1 GiB


def test_gzip_edge_cases():
    with pytest.raises(ParseError, match="gzip inside gzip"):
        importers.read_bytes(gzip.compress(gzip.compress(SEEDS["gpx"])))
    with pytest.raises(ParseError, match="truncated gzip"):
        importers.read_bytes(SEEDS["gz"][:-30])
    two_members = gzip.compress(SEEDS["gpx"][:100]) + gzip.compress(SEEDS["gpx"][100:])
    assert importers.read_bytes(two_members)[0].distance_m > 0


@pytest.mark.slow
def test_mutated_files_long_run():
    """3000+ mutations; deselected by default (pyproject addopts); run with ``-m slow``."""

    @settings(
        max_examples=max(EXAMPLES, 3000),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated())
    def run(data):
        call(data)

    run()
