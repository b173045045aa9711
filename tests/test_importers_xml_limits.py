"""The XML readers on documents built to exhaust them: millions of empty elements (in a small
gzip), a huge attribute or comment before the root. Memory is measured in a child process with
the kernel's peak resident size (libxml2 allocates outside Python's tracemalloc); work is counted,
not timed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import importers
from importers import ParseError, _xml

REPO = Path(__file__).resolve().parents[1]


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object (with "grew_mb", the growth
    of peak resident memory across the read)."""
    prog = textwrap.dedent("""
        import json, resource, sys, zlib
        sys.path.insert(0, %r)
        import importers
        def peak_mb():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        def read(data):
            before = peak_mb()
            try:
                acts = importers.read_bytes(data)
                out = {"ok": len(acts)}
            except importers.ParseError as exc:
                out = {"error": str(exc)}
            out["grew_mb"] = peak_mb() - before
            return out
    """) % str(REPO) + textwrap.dedent(code)
    res = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_gzip_of_15_million_empty_elements_is_refused_with_flat_memory():
    out = child("""
        c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts = [c.compress(b'<?xml version="1.0"?><gpx version="1.1" creator="x">')]
        block = b"<a/>" * 250_000
        parts += [c.compress(block) for _ in range(60)]  # 15 million elements, 57 MiB
        parts += [c.compress(b"</gpx>"), c.flush()]
        gz = b"".join(parts)
        data = importers.gunzip(gz)
        out = read(gz)
        out["gz_kb"] = len(gz) // 1024
        print(json.dumps(out))
    """)
    assert out["gz_kb"] < 200
    assert out["error"] == f"refused: GPX with more than {_xml.MAX_ELEMENTS:,} XML elements"
    assert out["grew_mb"] < 120  # the 57 MiB payload once more at most, not ~2 GB of elements


def test_millions_of_elements_inside_one_track_point_keep_memory_flat():
    out = child("""
        head = (b'<gpx version="1.1" creator="x"><trk><trkseg><trkpt lat="46" lon="14">'
                b'<time>2026-03-14T07:30:00Z</time>')
        junk = b"<e/>" * 3_000_000
        tail = (b'</trkpt><trkpt lat="46.001" lon="14"><time>2026-03-14T07:30:30Z</time></trkpt>'
                b'</trkseg></trk></gpx>')
        data = head + junk + tail
        out = read(data)
        if "ok" in out:
            a = importers.read_bytes(data)[0]
            out.update(distance=a.distance_m, elapsed=a.elapsed_s)
        print(json.dumps(out))
    """)
    # 3 million elements (fewer than the cap): read, the first point's time kept while its
    # finished children were removed, in bounded memory
    assert out["ok"] == 1 and out["elapsed"] == 30.0
    assert out["distance"] == pytest.approx(111.2, abs=0.1)
    assert out["grew_mb"] < 80


def test_tcx_gzip_of_15_million_empty_elements_is_refused_with_flat_memory():
    """The TCX reader removes what it has read itself (importers/_xml.py iter_tree): the same
    cap and the same flat memory as the GPX reader's."""
    out = child("""
        c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        parts = [c.compress(b'<?xml version="1.0"?><TrainingCenterDatabase><Activities>')]
        block = b"<a/>" * 250_000
        parts += [c.compress(block) for _ in range(60)]
        parts += [c.compress(b"</Activities></TrainingCenterDatabase>"), c.flush()]
        gz = b"".join(parts)
        out = read(gz)
        out["gz_kb"] = len(gz) // 1024
        print(json.dumps(out))
    """)
    assert out["gz_kb"] < 200
    assert out["error"] == f"refused: TCX with more than {_xml.MAX_ELEMENTS:,} XML elements"
    assert out["grew_mb"] < 120


def test_tcx_millions_of_elements_inside_one_trackpoint_keep_memory_flat():
    out = child("""
        head = (b'<TrainingCenterDatabase><Activities><Activity Sport="Running">'
                b'<Id>2026-03-14T07:30:00Z</Id><Lap><Track><Trackpoint>'
                b'<Time>2026-03-14T07:30:00Z</Time><DistanceMeters>0</DistanceMeters>')
        junk = b"<e/>" * 3_000_000
        tail = (b'</Trackpoint><Trackpoint><Time>2026-03-14T07:30:30Z</Time><Position/>'
                b'<DistanceMeters>111</DistanceMeters></Trackpoint></Track></Lap></Activity>'
                b'</Activities></TrainingCenterDatabase>')
        data = head + junk + tail
        out = read(data)
        if "ok" in out:
            a = importers.read_bytes(data)[0]
            out.update(distance=a.distance_m, elapsed=a.elapsed_s, gps=a.has_gps)
        print(json.dumps(out))
    """)
    assert out["ok"] == 1 and out["elapsed"] == 30.0 and out["distance"] == 111.0 and out["gps"]
    assert out["grew_mb"] < 80


class _CountingEtree:
    """lxml.etree with an XMLPullParser that counts the bytes fed to it."""

    def __init__(self, etree):
        self._etree = etree
        self.fed = 0

    def __getattr__(self, name):
        return getattr(self._etree, name)

    def XMLPullParser(self, *a, **kw):
        parser = self._etree.XMLPullParser(*a, **kw)
        outer = self

        class Counting:
            def feed(self, data):
                outer.fed += len(data)
                return parser.feed(data)

            def __getattr__(self, name):
                return getattr(parser, name)

        return Counting()


@pytest.mark.parametrize("mib", [1, 4, 8])
@pytest.mark.parametrize("where", ["comment", "attribute"])
def test_finding_the_root_reads_each_byte_about_once(monkeypatch, mib, where):
    """Before: expat was fed 4 KiB pieces and re-scanned a long token each time (1/2/4/8 MiB:
    0.5/1.7/5.9/17 s). Now the pieces double, so the bytes fed stay under twice the size."""
    filler = "x" * (mib << 20)
    if where == "comment":
        doc = f'<?xml version="1.0"?><!--{filler}--><gpx version="1.1" creator="a"></gpx>'
    else:
        doc = f'<?xml version="1.0"?><gpx version="1.1" creator="a" note="{filler}"></gpx>'
    counting = _CountingEtree(_xml._etree())
    monkeypatch.setattr(_xml, "_etree", lambda: counting)
    assert importers.detect(doc.encode()) == "gpx"
    assert len(doc) <= counting.fed < 2 * len(doc) + 8192


def test_an_attribute_beyond_libxml2s_limit_is_refused_in_one_line():
    doc = f'<?xml version="1.0"?><gpx version="1.1" creator="{"x" * (11 << 20)}"></gpx>'
    with pytest.raises(ParseError) as err:
        importers.read_bytes(doc.encode())
    assert str(err.value).startswith("not well-formed XML: ")
    assert "\n" not in str(err.value)


def test_the_one_size_cap_and_shared_limits_are_exported():
    assert importers.MAX_BYTES == 64 * 2**20
    assert importers.MAX_DISTANCE_M == 1_000_000.0
    assert importers.EARLIEST_START.isoformat() == "1990-01-01T00:00:00+00:00"
    assert importers.SHOE_SPORTS == (
        "run",
        "trail_run",
        "treadmill_run",
        "track_run",
        "walk",
        "hike",
    )
    assert set(importers.SHOE_SPORTS) <= set(importers.SPORTS)
    from importers import validate

    assert validate.EARLIEST_START is importers.EARLIEST_START
    assert validate.MAX_DISTANCE_M is importers.MAX_DISTANCE_M
