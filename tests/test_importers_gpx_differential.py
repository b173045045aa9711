"""The GPX reader (lxml, whole or streamed) against an independent reference (tests/xml_reference.py:
a full ElementTree parse and the rules written out plainly): the same start, distance, times,
counts, names, device and type, or both refusing the document, with the same message whenever
the document is well-formed. Inputs: every corpus GPX file, the documents the other GPX tests
build, and a hypothesis-generated family of GPX documents full of the constructs a parser can get
wrong (comments, CDATA, entities, prefixes, namespaces, encodings, misplaced times).

Budget: 200 generated documents by default; ``-m slow`` runs 3000.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_fixtures import BILLION_LAUGHS, EXTERNAL, PLAIN_DOCTYPE, gpx_doc, line_points
from xml_reference import XMLError, gpx_summary

import importers
from importers import NotAnActivity, ParseError, Undatable, _xml, gpx
from importers.sports import text_sport

CORPUS = Path(
    os.environ.get("SHOETRACK_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
MANIFEST = CORPUS / "manifest.json"
GPX11 = "http://www.topografix.com/GPX/1/1"
GPX10 = "http://www.topografix.com/GPX/1/0"


def reference(data: bytes, day=None):
    """("ok", fields) or ("error", class, message or None when the XML itself is refused)."""
    try:
        r = gpx_summary(data)
    except XMLError:
        return ("error", ParseError, None)
    except ParseError as exc:
        return ("error", type(exc), str(exc))
    if r["points"] < 2:
        return ("error", NotAnActivity, None)
    if r["first_us"] is None and day is None:
        return ("error", Undatable, "GPX track has no timestamps; give the date with --date")
    raw_type = next((t for t in r["types"] if t), None)
    return (
        "ok",
        {
            "start": _xml.utc(r["first_us"]) if r["first_us"] is not None else None,
            "distance_m": r["distance"],
            "device": r["creator"],
            "gpx_type": raw_type,
            "sport": text_sport(raw_type) if raw_type else None,
            "elapsed_s": round(r["elapsed"], 3) if r["first_us"] is not None else None,
            "moving_s": round(r["moving"], 3) if r["first_us"] is not None else None,
            "name": next((n for n in r["names"] if n), None) or r["meta_name"],
            "points": r["points"],
            "points_with_time": r["timed"],
        },
    )


def outcome(data: bytes, streamed: bool, **kw):
    """read_bytes's activities as plain values, or its error (type and message; for XML the
    parser itself refuses, the type and the message's first words: the line and column a
    whole parse and a streamed one report may differ)."""
    old = _xml._WHOLE_BYTES, _xml._WHOLE_COUNTED_BYTES
    if streamed:  # nothing is small enough to be parsed whole
        _xml._WHOLE_BYTES = _xml._WHOLE_COUNTED_BYTES = -1
    try:
        return [vars(a) for a in gpx.read_bytes(data, **kw)]
    except ParseError as exc:
        msg = str(exc)
        if "not well-formed XML" in msg or "unsupported XML encoding" in msg:
            msg = msg.split(":")[0]
        return (type(exc), msg)
    finally:
        _xml._WHOLE_BYTES, _xml._WHOLE_COUNTED_BYTES = old


def assert_same(data: bytes, **kw) -> bool:
    """read_bytes agrees with the reference, and a document parsed whole exactly with the same
    document streamed (the same floats, to the last bit); returns whether it was read."""
    whole, streamed = outcome(data, False, **kw), outcome(data, True, **kw)
    if whole == (ParseError, "GPX is not well-formed XML"):
        # A whole parse refuses bad XML before reading a point; streaming reads the points
        # before the bad byte first, so a bad point there can be the error it reports.
        assert isinstance(streamed, tuple) and streamed[0] is ParseError, streamed
    else:
        assert whole == streamed
    day = kw.get("date")
    ref = reference(data, day)
    try:
        acts = gpx.read_bytes(data, **kw)
    except ParseError as exc:
        if ref[0] == "ok" and str(exc).startswith("implausible"):
            return False  # plausibility is the reader's own check, after the parse
        assert ref[0] == "error", (ref, exc)
        if ref[2] is not None and not str(ref[2]).startswith("not an activity"):
            assert (type(exc), str(exc)) == ref[1:], ref
        else:
            assert isinstance(exc, ref[1]), (ref, exc)
        return False
    if ref[0] == "error" and ref[1] is ParseError and ref[2] is None:
        pytest.fail(f"read a document the reference refuses as XML: {acts}")
    if ref[0] == "error":  # plausibility (a year-1900 date) is the reader's, not the parse's
        pytest.fail(f"reference refused ({ref}), reader read {acts}")
    want = ref[1]
    if len(acts) > 1:  # several outings (blue_hills.gpx): they add up to the file
        assert sum(a.distance_m for a in acts) == pytest.approx(want["distance_m"], rel=1e-9)
        assert min(a.start for a in acts) == want["start"]
        assert sum(a.elapsed_s for a in acts) == pytest.approx(want["elapsed_s"], abs=0.002)
        assert sum(a.moving_s for a in acts) == pytest.approx(want["moving_s"], abs=0.002)
        for key in ("points", "points_with_time"):
            assert sum(a.extra[key] for a in acts) == want[key], key
        return True
    (a,) = acts
    assert a.distance_m == pytest.approx(want["distance_m"], rel=1e-9, abs=1e-9)
    if want["start"] is not None:
        assert a.start == want["start"]
    for key in ("device", "elapsed_s", "moving_s", "name"):
        assert getattr(a, key) == want[key], key
    for key in ("gpx_type", "points", "points_with_time"):
        assert a.extra[key] == want[key], key
    if want["sport"] is not None:
        assert a.sport == want["sport"] and not a.sport_inferred
    else:
        assert a.sport_inferred
    return True


# --- corpus ----------------------------------------------------------------------------------


def corpus_gpx():
    if not MANIFEST.is_file():
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError(f"corpus manifest not found at {MANIFEST} (required when CI=true)")
        return []
    return [e["file"] for e in json.loads(MANIFEST.read_text())["files"] if e["format"] == "gpx"]


CORPUS_FILES = corpus_gpx()


@pytest.mark.corpus
@pytest.mark.parametrize(
    "rel", CORPUS_FILES or [None], ids=[f.split("/")[-1] for f in CORPUS_FILES] or ["absent"]
)
def test_corpus_file_same_result(rel):
    if rel is None:
        pytest.skip(f"corpus not found at {CORPUS}")
    data = (CORPUS / rel).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = importers.gunzip(data)
    assert_same(data)
    assert_same(data, date=date(2026, 5, 3))


def test_corpus_files_are_read():
    """Every well-formed corpus activity is read (the comparison above is not vacuous)."""
    if not CORPUS_FILES:
        pytest.skip(f"corpus not found at {CORPUS}")
    for rel in CORPUS_FILES:
        data = (CORPUS / rel).read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = importers.gunzip(data)
        if rel.endswith("6037744996.gpx"):  # not well-formed (unbound prefix)
            with pytest.raises(ParseError, match="GPX is not well-formed XML: Namespace prefix"):
                gpx.read_bytes(data)
            continue
        if rel.endswith(("route.gpx", "wpt.gpx")):
            continue
        assert gpx.read_bytes(data, date=date(2026, 5, 3)), rel


# --- the documents the other GPX tests build -----------------------------------------------


def fixture_docs() -> list[bytes]:
    enc = str.encode
    docs = [gpx_doc(line_points(101), creator="Garmin Connect")]
    docs += [
        gpx_doc(line_points(5), type_=t)
        for t in ("running", "Run", "9", "trail running", "hiking", "1")
    ]
    docs.append(
        gpx_doc(
            None,
            segments=[line_points(11), line_points(11, lat0=47.0, start="2026-03-14T08:00:00")],
        )
    )
    docs.append(
        gpx_doc(line_points(11) + [(46.001, 14.5, f"2026-03-14T07:3{i}:00Z") for i in range(2, 6)])
    )
    docs.append(
        gpx_doc(
            [(la, lo, t if i % 2 == 0 else None) for i, (la, lo, t) in enumerate(line_points(21))]
        )
    )
    docs.append(gpx_doc([(la, lo, None) for la, lo, _ in line_points(5)]))
    docs.append(gpx_doc(line_points(3), version="1.0"))
    docs.append(gpx_doc(line_points(3)).replace(f' xmlns="{GPX11}"', ""))
    ns = f'xmlns="{GPX11}"'
    docs.append(
        f'<gpx version="1.1" creator="x" {ns}><rte><rtept lat="1" lon="1"/><rtept lat="1.1" lon="1"/></rte></gpx>'
    )
    docs.append(f'<gpx version="1.1" creator="x" {ns}><wpt lat="1" lon="1"/></gpx>')
    docs.append(gpx_doc(line_points(1)))
    for lat, lon in [
        ("999", "14.5"),
        ("nan", "14.5"),
        ("46.0", "-200"),
        ("46.0", "abc"),
        ("inf", "1"),
    ]:
        pts = line_points(3)
        pts[1] = (lat, lon, pts[1][2])
        docs.append(gpx_doc(pts))
    docs.append(gpx_doc(line_points(3, start="1900-01-01T00:00:00")))
    docs.append(gpx_doc(line_points(3, start="2999-01-01T00:00:00")))
    docs.append(gpx_doc(line_points(40, dlat=0.1, step_s=2)))
    docs.append(gpx_doc(line_points(3)).replace("2026-03-14T07:30:05Z", "yesterday"))
    docs += [BILLION_LAUGHS, EXTERNAL, PLAIN_DOCTYPE, gpx_doc(line_points(3))[:-20]]
    filler = " xmlns" * 4_000
    docs.append(
        gpx_doc(line_points(3)).replace(
            "</gpx>", f'<extensions><note xmlns="urn:x">{filler}</note></extensions></gpx>'
        )
    )
    docs.append(gpx_doc(line_points(30), type_="running"))
    out = [enc(d) for d in docs]
    out.append(
        gpx_doc(line_points(3), name="Läufchen am Wörthersee", encoding="ISO-8859-1").encode(
            "iso-8859-1"
        )
    )
    out.append(b"\xef\xbb\xbf" + enc(gpx_doc(line_points(3))))
    out.append(gpx_doc(line_points(3), encoding="UTF-16").encode("utf-16"))
    out.append(
        BILLION_LAUGHS.replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode(
            "utf-16"
        )
    )
    return out


@pytest.mark.parametrize("i", range(len(fixture_docs())))
def test_fixture_documents_same_result(i):
    data = fixture_docs()[i]
    assert_same(data)
    assert_same(data, date=date(2026, 5, 3))


def test_a_garmin_style_file():
    """A plain Garmin Connect export shape, extensions in another namespace."""
    pts = []
    t0 = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)
    for i in range(200):
        t = (t0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        pts.append(
            f'<trkpt lat="{46 + i * 2e-5:.7f}" lon="14.5"><ele>{300 + i % 7}.2</ele><time>{t}</time>'
            f"<extensions><ns3:TrackPointExtension><ns3:hr>{120 + i % 30}</ns3:hr>"
            f"<ns3:cad>85</ns3:cad></ns3:TrackPointExtension></extensions></trkpt>"
        )
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx creator="Garmin Connect" version="1.1" xsi:schemaLocation="{GPX11} x" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" '
        f'xmlns="{GPX11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '  <metadata><link href="connect.garmin.com"><text>Garmin Connect</text></link>'
        "<time>2026-03-14T07:30:00.000Z</time></metadata>\n"
        "  <trk><name>Ljubljana Running</name><type>running</type><trkseg>\n    "
        + "\n    ".join(pts)
        + "\n  </trkseg></trk>\n</gpx>\n"
    ).encode()
    assert assert_same(doc)
    (a,) = gpx.read_bytes(doc)
    assert a.extra["points"] == 200 and a.extra["points_with_time"] == 200
    assert a.name == "Ljubljana Running" and a.sport == "run" and a.device == "Garmin Connect"


@pytest.mark.parametrize(
    "doc, taken",
    [
        # decline: a name in another default namespace, a prefixed GPX name, UTF-16
        (
            (
                f'<gpx xmlns="{GPX11}"><trk><name xmlns="urn:y">A</name><trkseg>'
                '<trkpt lat="1" lon="1"/><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'
            ),
            False,
        ),
        (
            (
                f'<gpx xmlns="{GPX11}" xmlns:g="{GPX11}"><trk><g:name>A</g:name><trkseg>'
                '<trkpt lat="1" lon="1"/><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'
            ),
            False,
        ),
        (
            (
                f'<gpx xmlns="{GPX11}"><trk><trkseg><trkpt lat="1" lon="1"><extensions><time>2026-01-01T00:00:00Z'
                '</time></extensions></trkpt><trkpt lat="1" lon="1.0001"/></trkseg></trk></gpx>'
            ),
            False,
        ),
        # taken: comments, CDATA, entities, PIs, a prefixed foreign name, either quote, lon first
        (
            (
                f'<?xml version="1.0"?><!-- <trkpt lat="5" lon="5"/> --><gpx xmlns="{GPX11}" xmlns:x="urn:x" '
                "creator='a &amp; b'><trk><name> <![CDATA[<Run>]]> &#233;<!--c-->x </name><x:name>B</x:name>"
                "<trkseg><?pi <trkpt?><trkpt lon='1' lat=\"1\"><time>2026-01-01T00:00:00Z</time></trkpt>"
                '<trkpt lat="1" lon="1.0001"><time>2026-01-01T00:00:10Z</time><cmt><![CDATA[</trkpt>]]></cmt>'
                "</trkpt></trkseg></trk></gpx>"
            ),
            True,
        ),
    ],
)
def test_namespace_and_markup_cases(doc, taken):
    """Names in another namespace, prefixed GPX names, a time nested in extensions, comments,
    CDATA, entities and PIs: read as the reference reads them. ``taken`` (the case was read by
    the old regex fast path) no longer decides anything: one path reads them all."""
    assert taken in (True, False)
    assert assert_same(doc.encode(), date=date(2026, 5, 3))


# --- generated documents ---------------------------------------------------------------------

EXAMPLES = 200
GEN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
T0 = datetime(2026, 3, 14, 7, 30, tzinfo=timezone.utc)

texts = st.sampled_from(
    [
        "Morning Run",
        "",
        "  ",
        " Läufchen ",
        "a &amp; b",
        "<![CDATA[x<y]]>",
        "a<!-- c -->b",
        "a<?pi?>b",
        "&#x41;&#66;",
        "x\r\ny",
        "running",
        "Hiking",
        "<![CDATA[]]>",
        "5",
    ]
)
comments = st.sampled_from(
    [
        "",
        "",
        "",
        "<!-- c -->",
        '<!-- <trkpt lat="9" lon="9"/> -->',
        "<?pi x?>",
        "\n  ",
        "\r\n",
        "<![CDATA[ ]]>",
    ]
)


def timestr(draw, i: int, odd: bool) -> str:
    kinds = ["z"] * 6 + ["frac", "offset", "naive", "pad", "crlf", "lower"]
    if odd:
        kinds += ["bad", "empty", "cdata", "entity"]
    kind = draw(st.sampled_from(kinds))
    t = T0 + timedelta(seconds=i * draw(st.sampled_from([1, 5, 5, 5, 60, 0, -3])))
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "z": base + "Z",
        "frac": base + ".250Z",
        "offset": base + "+02:00",
        "naive": base,
        "pad": f"  {base}Z\n",
        "bad": "yesterday",
        "empty": "",
        "cdata": f"<![CDATA[{base}Z]]>",
        "entity": base.replace("-", "&#45;", 1) + "Z",
        "crlf": f"\r\n{base}Z\r\n",
        "lower": base + "z",
    }[kind]


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
        attrs.append(f"{draw(st.sampled_from(['id', 'x:lat', 'note']))}=\"1 lat='2'\"")
    attrs = draw(st.permutations(attrs))
    children = []
    if draw(st.booleans()):
        children.append("<ele>300.5</ele>")
    if draw(st.integers(0, 5)):
        children.append(f"<time>{timestr(draw, i, odd)}</time>")
    extras = [
        "<ele>1</ele>",
        "<name>p</name>",
        "<sym>Dot</sym>",
        "<cmt><![CDATA[</trkpt>]]></cmt>",
        "<!-- c -->",
        "<extensions><x:e>1</x:e></extensions>",
        "<link href='u'><type>t</type></link>",
        "<?pi?>",
        "<desc>a &amp; b</desc>",
    ]
    if tricky:
        extras += [
            "<extensions><time>2026-01-01T00:00:00Z</time></extensions>",
            "<x:time>2026-01-01T00:00:00Z</x:time>",
            "<g:time>2026-01-01T00:00:00Z</g:time>",
            "<time xmlns='urn:y'>2026-01-01T00:00:00Z</time>",
            "<time/>",
            "<extensions><e xmlns='urn:y'><time>2026-01-01T00:00:00Z</time></e></extensions>",
        ]
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
        root_attrs.append(
            attr(
                draw,
                "creator",
                draw(st.sampled_from(["Garmin Connect", "a &amp; b", "x\r\n\ty", "Läufer"])),
            )
        )
    if version_ns:
        root_attrs.append(f'xmlns="{version_ns}"')
    root_attrs.append('xmlns:x="urn:x"')
    root_attrs.append(f'xmlns:g="{draw(st.sampled_from([GPX11, GPX10, "urn:g"]))}"')
    root_attrs = draw(st.permutations(root_attrs))
    tricky = draw(st.integers(0, 3)) == 0
    prefix = draw(st.sampled_from(["", "g:"])) if tricky else ""
    body = []
    if draw(st.booleans()):
        mname = draw(
            st.sampled_from(
                ["", f"<name>{draw(texts)}</name>", "<g:name>G</g:name>", "<x:name>X</x:name>"]
            )
        )
        body.append(
            f"<metadata>{mname}<time>2026-01-01T00:00:00Z</time>"
            f"<link href='u'><type>text/html</type></link></metadata>"
        )
    if draw(st.booleans()):
        body.append(f"<name>{draw(texts)}</name>")
    for w in range(draw(st.integers(0, 2))):
        body.append(
            f'<wpt lat="46" lon="14"><time>2026-01-01T00:0{w}:00Z</time><name>w</name></wpt>'
        )
    if draw(st.integers(0, 4)) == 0:
        body.append('<rte><rtept lat="46" lon="14"/><rtept lat="46.1" lon="14"/></rte>')
    i = 0
    for _ in range(draw(st.integers(0, 3))):
        trk = []
        for child in draw(
            st.lists(
                st.sampled_from(["name", "type", "xname", "nsname", "link", "ext"]), max_size=3
            )
        ):
            trk.append(
                {
                    "name": f"<name>{draw(texts)}</name>",
                    "type": f"<type>{draw(texts)}</type>",
                    "xname": "<x:name>X</x:name>",
                    "nsname": "<name xmlns='urn:y'>Y</name>",
                    "link": "<link href='u'><text>t</text><type>text/html</type></link>",
                    "ext": "<extensions><e><name>deep</name></e></extensions>",
                }[child]
            )
            trk.append(draw(comments))
        for _ in range(draw(st.integers(0, 3))):
            pts = []
            for _ in range(draw(st.integers(0, 8))):
                pts.append(draw(trkpt(i, prefix, tricky)))
                pts.append(draw(comments))
                i += 1
            seg = "".join(pts)
            trk.append(
                f"<{prefix}trkseg>{seg}</{prefix}trkseg>"
                if seg or draw(st.booleans())
                else f"<{prefix}trkseg/>"
            )
        if draw(st.integers(0, 5)) == 0:  # a point directly in the track
            trk.append(draw(trkpt(i, prefix, tricky)))
            i += 1
        body.append(f"<{prefix}trk>{''.join(trk)}</{prefix}trk>")
        body.append(draw(comments))
    doc = f"<gpx {' '.join(root_attrs)}>{''.join(body)}</gpx>\n"
    enc = draw(
        st.sampled_from(["utf-8", "utf-8", "none", "bom", "iso-8859-1", "windows-1252", "utf-16"])
    )
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
def test_generated_documents_long_run():
    """3000 generated documents; deselected by default (pyproject addopts); run with ``-m slow``."""

    @settings(
        max_examples=3000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(gpx_document())
    def run(data):
        assert_same(data)

    run()


@pytest.mark.parametrize(
    ("points", "plain"),
    [
        ('<trkpt lat="46" lon="14"><ele>1</ele><time>2026-03-14T07:30:00Z</time></trkpt>', True),
        ('<trkpt lat="46" lon="14"><time/></trkpt>', True),  # an empty time: read as none
        ('<trkpt lat="46" lon="14"></trkpt>', False),  # no time
        ('<trkpt lat="46" lon="14"><time>a</time><time>b</time></trkpt>', False),
        ('<trkpt lat="46" lon="14"><time>a<b/></time></trkpt>', False),  # not only text
        ('<trkpt lat="46" lon="14"><extensions><time>a</time></extensions></trkpt>', False),
        ('<trkpt lat="46" lon="14"><time>a</time><x:trkpt lat="1" lon="1"/></trkpt>', False),
        ('<trkpt lat="46" lon="14"><time>a</time><wpt lat="1" lon="1"/></trkpt>', False),
        ('<trkpt lat="46" lon="14"><time>a</time></trkpt><name>x</name>', False),
        ('<x:trkpt lat="46" lon="14"><x:time>a</x:time></x:trkpt>', False),  # other namespace
    ],
)
def test_which_segments_are_read_in_one_go(points, plain):
    """A segment is read list by list only when the rules come down to its points' three texts;
    anything else is walked point by point (the results are the same either way, see above)."""
    doc = f'<gpx xmlns="{GPX11}" xmlns:x="urn:x"><trk><trkseg>{points}{points}</trkseg></trk></gpx>'
    seg = _xml.whole_tree(doc.encode(), "GPX")[0][0]
    r = gpx._Reader()
    assert gpx._plain_run(r, seg, "{" + GPX11 + "}") is plain
    assert len(r.time_raw) == (2 if plain else 0)
