"""The GPX fast path (bare expat validation + one regex over the bytes) against the exact
element-based path: same Activity fields, or the same exception type and message, on every
corpus GPX file, on the documents the other GPX tests build, and on a hypothesis-generated
family of GPX documents. Where the fast path declines (returns None) the exact path runs, so a
decline is always correct; what is checked is that it never answers differently.

Budget: 200 generated documents by default; ``-m slow`` runs 3000.
"""
from __future__ import annotations

import dataclasses
import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_fixtures import gpx_doc, line_points
from test_importers_xml import BILLION_LAUGHS, EXTERNAL, PLAIN_DOCTYPE

import importers
from importers import ParseError, gpx

CORPUS = Path(os.environ.get("SHOETRACK_CORPUS")
              or Path(__file__).resolve().parents[2] / "shared" / "corpus")
MANIFEST = CORPUS / "manifest.json"
GPX11 = "http://www.topografix.com/GPX/1/1"
GPX10 = "http://www.topografix.com/GPX/1/0"


def outcome(read, data: bytes, **kw):
    """("ok", [fields of each Activity]) or ("error", type, message); None if read declines."""
    try:
        acts = read(data, **kw)
    except ParseError as exc:
        return ("error", type(exc), str(exc))
    if acts is None:
        return None
    return ("ok", [dataclasses.asdict(a) for a in acts])


def assert_same(data: bytes, **kw) -> bool:
    """The fast path (when it answers) and read_bytes both agree with the exact path.
    Returns whether the fast path answered."""
    exact = outcome(gpx._read_exact, data, **kw)
    fast = outcome(gpx._read_fast, data, **kw)
    for got in (fast, outcome(gpx.read_bytes, data, **kw)):
        if got is None:
            continue
        assert got[0] == exact[0], (got, exact)
        if got[0] == "error":
            assert got == exact
            continue
        assert len(got[1]) == len(exact[1])
        for g, e in zip(got[1], exact[1]):
            assert g["distance_m"] == pytest.approx(e["distance_m"], rel=1e-9, abs=0.0)
            g = dict(g, distance_m=None)
            e = dict(e, distance_m=None)
            assert g == e
    return fast is not None


# --- corpus ----------------------------------------------------------------------------------

def corpus_gpx():
    if not MANIFEST.is_file():
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError(f"corpus manifest not found at {MANIFEST} (required when CI=true)")
        return []
    return [e["file"] for e in json.loads(MANIFEST.read_text())["files"] if e["format"] == "gpx"]


CORPUS_FILES = corpus_gpx()


@pytest.mark.corpus
@pytest.mark.parametrize("rel", CORPUS_FILES or [None], ids=[f.split("/")[-1] for f in CORPUS_FILES] or ["absent"])
def test_corpus_file_same_result(rel):
    if rel is None:
        pytest.skip(f"corpus not found at {CORPUS}")
    data = (CORPUS / rel).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = importers.gunzip(data)
    assert_same(data)
    assert_same(data, date=date(2026, 5, 3))


def test_corpus_fast_path_is_taken_where_expected():
    """The well-formed corpus activities are all read by the fast path (not a silent decline)."""
    if not CORPUS_FILES:
        pytest.skip(f"corpus not found at {CORPUS}")
    for rel in CORPUS_FILES:
        data = (CORPUS / rel).read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = importers.gunzip(data)
        if rel.endswith("6037744996.gpx"):  # not well-formed (unbound prefix): exact path reports it
            assert gpx._parse_fast(data) is None
            continue
        assert gpx._parse_fast(data) is not None, rel


# --- the documents the other GPX tests build -----------------------------------------------

def fixture_docs() -> list[bytes]:
    enc = str.encode
    docs = [gpx_doc(line_points(101), creator="Garmin Connect")]
    docs += [gpx_doc(line_points(5), type_=t) for t in ("running", "Run", "9", "trail running", "hiking", "1")]
    docs.append(gpx_doc(None, segments=[line_points(11),
                                        line_points(11, lat0=47.0, start="2026-03-14T08:00:00")]))
    docs.append(gpx_doc(line_points(11) + [(46.001, 14.5, f"2026-03-14T07:3{i}:00Z") for i in range(2, 6)]))
    docs.append(gpx_doc([(la, lo, t if i % 2 == 0 else None) for i, (la, lo, t) in enumerate(line_points(21))]))
    docs.append(gpx_doc([(la, lo, None) for la, lo, _ in line_points(5)]))
    docs.append(gpx_doc(line_points(3), version="1.0"))
    docs.append(gpx_doc(line_points(3)).replace(f' xmlns="{GPX11}"', ""))
    ns = f'xmlns="{GPX11}"'
    docs.append(f'<gpx version="1.1" creator="x" {ns}><rte><rtept lat="1" lon="1"/><rtept lat="1.1" lon="1"/></rte></gpx>')
    docs.append(f'<gpx version="1.1" creator="x" {ns}><wpt lat="1" lon="1"/></gpx>')
    docs.append(gpx_doc(line_points(1)))
    for lat, lon in [("999", "14.5"), ("nan", "14.5"), ("46.0", "-200"), ("46.0", "abc"), ("inf", "1")]:
        pts = line_points(3)
        pts[1] = (lat, lon, pts[1][2])
        docs.append(gpx_doc(pts))
    docs.append(gpx_doc(line_points(3, start="1900-01-01T00:00:00")))
    docs.append(gpx_doc(line_points(3, start="2999-01-01T00:00:00")))
    docs.append(gpx_doc(line_points(40, dlat=0.1, step_s=2)))
    docs.append(gpx_doc(line_points(3)).replace("2026-03-14T07:30:05Z", "yesterday"))
    docs += [BILLION_LAUGHS, EXTERNAL, PLAIN_DOCTYPE, gpx_doc(line_points(3))[:-20]]
    filler = " xmlns" * 4_000
    docs.append(gpx_doc(line_points(3)).replace(
        "</gpx>", f"<extensions><note xmlns=\"urn:x\">{filler}</note></extensions></gpx>"))
    docs.append(gpx_doc(line_points(30), type_="running"))
    out = [enc(d) for d in docs]
    out.append(gpx_doc(line_points(3), name="Läufchen am Wörthersee", encoding="ISO-8859-1").encode("iso-8859-1"))
    out.append(b"\xef\xbb\xbf" + enc(gpx_doc(line_points(3))))
    out.append(gpx_doc(line_points(3), encoding="UTF-16").encode("utf-16"))
    out.append(BILLION_LAUGHS.replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode("utf-16"))
    return out


@pytest.mark.parametrize("i", range(len(fixture_docs())))
def test_fixture_documents_same_result(i):
    data = fixture_docs()[i]
    assert_same(data)
    assert_same(data, date=date(2026, 5, 3))


def test_fast_path_is_taken_for_a_garmin_style_file():
    """A plain Garmin Connect export shape: the speed claim rests on this path being taken."""
    pts = []
    t0 = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)
    for i in range(200):
        t = (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        pts.append(f'<trkpt lat="{46 + i * 2e-5:.7f}" lon="14.5"><ele>{300 + i % 7}.2</ele><time>{t}</time>'
                   f"<extensions><ns3:TrackPointExtension><ns3:hr>{120 + i % 30}</ns3:hr>"
                   f"<ns3:cad>85</ns3:cad></ns3:TrackPointExtension></extensions></trkpt>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<gpx creator="Garmin Connect" version="1.1" xsi:schemaLocation="{GPX11} x" '
           'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
           f'xmlns="{GPX11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
           '  <metadata><link href="connect.garmin.com"><text>Garmin Connect</text></link>'
           '<time>2026-03-14T07:30:00.000Z</time></metadata>\n'
           "  <trk><name>Ljubljana Running</name><type>running</type><trkseg>\n    "
           + "\n    ".join(pts) + "\n  </trkseg></trk>\n</gpx>\n").encode()
    st_ = gpx._parse_fast(doc)
    assert st_ is not None
    assert st_.points == 200 and st_.timed == 200
    assert assert_same(doc)
    (a,) = gpx.read_bytes(doc)
    assert a.name == "Ljubljana Running" and a.sport == "run" and a.device == "Garmin Connect"


@pytest.mark.parametrize("doc, taken", [
    # decline: a name in another default namespace, a prefixed GPX name, UTF-16
    ((f'<gpx xmlns="{GPX11}"><trk><name xmlns="urn:y">A</name><trkseg>'
     '<trkpt lat="1" lon="1"/><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'), False),
    ((f'<gpx xmlns="{GPX11}" xmlns:g="{GPX11}"><trk><g:name>A</g:name><trkseg>'
     '<trkpt lat="1" lon="1"/><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'), False),
    ((f'<gpx xmlns="{GPX11}"><trk><trkseg><trkpt lat="1" lon="1"><extensions><time>2026-01-01T00:00:00Z'
     '</time></extensions></trkpt><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'), False),
    # taken: comments, CDATA, entities, PIs, a prefixed foreign name, either quote, lon first
    ((f'<?xml version="1.0"?><!-- <trkpt lat="5" lon="5"/> --><gpx xmlns="{GPX11}" xmlns:x="urn:x" '
     "creator='a &amp; b'><trk><name> <![CDATA[<Run>]]> &#233;<!--c-->x </name><x:name>B</x:name>"
     "<trkseg><?pi <trkpt?><trkpt lon='1' lat=\"1\"><time>2026-01-01T00:00:00Z</time></trkpt>"
     '<trkpt lat="1" lon="1.0001"><time>2026-01-01T00:00:10Z</time><cmt><![CDATA[</trkpt>]]></cmt>'
     "</trkpt></trkseg></trk></gpx>"), True),
])
def test_decline_conditions(doc, taken):
    data = doc.encode()
    assert (gpx._parse_fast(data) is not None) == taken
    assert_same(data)


# --- generated documents ---------------------------------------------------------------------

EXAMPLES = 200
GEN = settings(max_examples=EXAMPLES, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
T0 = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)

texts = st.sampled_from(["Morning Run", "", "  ", " Läufchen ", "a &amp; b", "<![CDATA[x<y]]>",
                         "a<!-- c -->b", "a<?pi?>b", "&#x41;&#66;", "x\r\ny", "running", "Hiking",
                         "<![CDATA[]]>", "5"])
comments = st.sampled_from(["", "", "", "<!-- c -->", '<!-- <trkpt lat="9" lon="9"/> -->', "<?pi x?>",
                            "\n  ", "\r\n", "<![CDATA[ ]]>"])


def timestr(draw, i: int, odd: bool) -> str:
    kinds = ["z"] * 6 + ["frac", "offset", "naive", "pad", "crlf", "lower"]
    if odd:
        kinds += ["bad", "empty", "cdata", "entity"]
    kind = draw(st.sampled_from(kinds))
    t = T0 + timedelta(seconds=i * draw(st.sampled_from([1, 5, 5, 5, 60, 0, -3])))
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    return {"z": base + "Z", "frac": base + ".250Z", "offset": base + "+02:00", "naive": base,
            "pad": f"  {base}Z\n", "bad": "yesterday", "empty": "", "cdata": f"<![CDATA[{base}Z]]>",
            "entity": base.replace("-", "&#45;", 1) + "Z", "crlf": f"\r\n{base}Z\r\n",
            "lower": base + "z"}[kind]


def attr(draw, name: str, value: str) -> str:
    q = draw(st.sampled_from(['"', "'"]))
    return f"{name}={q}{value}{q}"


@st.composite
def trkpt(draw, i: int, prefix: str, tricky: bool):
    """A track point; ``odd`` (one in ten) allows unreadable or out-of-range values, ``tricky``
    (per document) times where findtext would not find them."""
    odd = draw(st.integers(0, 9)) == 0
    step = draw(st.sampled_from([0.0, 1e-5, 1e-4, 1e-4]))
    lat = f"{46.0 + i * step:.7f}"
    lons = ["14.5", "14.5000", " 14.5 ", "14.5\n", "1.45e1"]
    if odd:
        lons += ["-181", "nan", "x", "inf", "&#49;4.5"]
    attrs = [attr(draw, "lat", lat), attr(draw, "lon", draw(st.sampled_from(lons)))]
    if draw(st.booleans()):
        attrs.append(f'{draw(st.sampled_from(["id", "x:lat", "note"]))}="1 lat=\'2\'"')
    attrs = draw(st.permutations(attrs))
    children = []
    if draw(st.booleans()):
        children.append("<ele>300.5</ele>")
    if draw(st.integers(0, 5)):
        children.append(f"<time>{timestr(draw, i, odd)}</time>")
    extras = ["<ele>1</ele>", "<name>p</name>", "<sym>Dot</sym>", "<cmt><![CDATA[</trkpt>]]></cmt>",
              "<!-- c -->", "<extensions><x:e>1</x:e></extensions>", "<link href='u'><type>t</type></link>",
              "<?pi?>", "<desc>a &amp; b</desc>"]
    if tricky:
        extras += ["<extensions><time>2026-01-01T00:00:00Z</time></extensions>",
                   "<x:time>2026-01-01T00:00:00Z</x:time>", "<g:time>2026-01-01T00:00:00Z</g:time>",
                   "<time xmlns='urn:y'>2026-01-01T00:00:00Z</time>", "<time/>",
                   "<extensions><e xmlns='urn:y'><time>2026-01-01T00:00:00Z</time></e></extensions>"]
    extra = draw(st.lists(st.sampled_from(extras), max_size=2))
    for e in extra:
        children.insert(draw(st.sampled_from([len(children)] * 3 + list(range(len(children))))), e)
    tag = f"{prefix}trkpt"
    ws = draw(st.sampled_from(["", "", "\n   ", "\r\n"]))
    if not children and draw(st.booleans()):
        return f"<{tag} {' '.join(attrs)}/>{ws}"
    return f"<{tag} {' '.join(attrs)}>{ws.join(children)}</{tag}>{ws}"


@st.composite
def gpx_document(draw) -> bytes:
    version_ns = draw(st.sampled_from([GPX11, GPX11, GPX10, None, "urn:other"]))
    root_attrs = ['version="1.1"']
    if draw(st.booleans()):
        root_attrs.append(attr(draw, "creator", draw(st.sampled_from(["Garmin Connect", "a &amp; b", "x\r\n\ty", "Läufer"]))))
    if version_ns:
        root_attrs.append(f'xmlns="{version_ns}"')
    root_attrs.append('xmlns:x="urn:x"')
    root_attrs.append(f'xmlns:g="{draw(st.sampled_from([GPX11, GPX10, "urn:g"]))}"')
    root_attrs = draw(st.permutations(root_attrs))
    tricky = draw(st.integers(0, 3)) == 0
    prefix = draw(st.sampled_from(["", "g:"])) if tricky else ""
    body = []
    if draw(st.booleans()):
        mname = draw(st.sampled_from(["", f"<name>{draw(texts)}</name>", "<g:name>G</g:name>", "<x:name>X</x:name>"]))
        body.append(f"<metadata>{mname}<time>2026-01-01T00:00:00Z</time>"
                    f"<link href='u'><type>text/html</type></link></metadata>")
    if draw(st.booleans()):
        body.append(f"<name>{draw(texts)}</name>")
    for w in range(draw(st.integers(0, 2))):
        body.append(f'<wpt lat="46" lon="14"><time>2026-01-01T00:0{w}:00Z</time><name>w</name></wpt>')
    if draw(st.integers(0, 4)) == 0:
        body.append('<rte><rtept lat="46" lon="14"/><rtept lat="46.1" lon="14"/></rte>')
    i = 0
    for _ in range(draw(st.integers(0, 3))):
        trk = []
        for child in draw(st.lists(st.sampled_from(["name", "type", "xname", "nsname", "link", "ext"]), max_size=3)):
            trk.append({"name": f"<name>{draw(texts)}</name>", "type": f"<type>{draw(texts)}</type>",
                        "xname": "<x:name>X</x:name>", "nsname": "<name xmlns='urn:y'>Y</name>",
                        "link": "<link href='u'><text>t</text><type>text/html</type></link>",
                        "ext": "<extensions><e><name>deep</name></e></extensions>"}[child])
            trk.append(draw(comments))
        for _ in range(draw(st.integers(0, 3))):
            pts = []
            for _ in range(draw(st.integers(0, 8))):
                pts.append(draw(trkpt(i, prefix, tricky)))
                pts.append(draw(comments))
                i += 1
            seg = "".join(pts)
            trk.append(f"<{prefix}trkseg>{seg}</{prefix}trkseg>" if seg or draw(st.booleans())
                       else f"<{prefix}trkseg/>")
        if draw(st.integers(0, 5)) == 0:  # a point directly in the track
            trk.append(draw(trkpt(i, prefix, tricky)))
            i += 1
        body.append(f"<{prefix}trk>{''.join(trk)}</{prefix}trk>")
        body.append(draw(comments))
    doc = f"<gpx {' '.join(root_attrs)}>{''.join(body)}</gpx>\n"
    enc = draw(st.sampled_from(["utf-8", "utf-8", "none", "bom", "iso-8859-1", "windows-1252", "utf-16"]))
    if enc == "none":
        return doc.encode()
    decl = f'<?xml version="1.0" encoding="{enc.upper()}"?>\n'
    if enc == "bom":
        return b"\xef\xbb\xbf" + ('<?xml version="1.0" encoding="UTF-8"?>\n' + doc).encode()
    return (decl + doc).encode(enc)


@GEN
@given(gpx_document())
def test_generated_documents_same_result(data):
    assert_same(data)


@GEN
@given(gpx_document(), st.integers(0, 400))
def test_generated_documents_truncated_same_result(data, cut):
    assert_same(data[: max(0, len(data) - cut)])


@pytest.mark.slow
def test_generated_documents_long_run(request):
    """3000 generated documents; runs only when selected with ``-m slow``."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long property run: select with -m slow")

    @settings(max_examples=3000, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(gpx_document())
    def run(data):
        assert_same(data)

    run()
