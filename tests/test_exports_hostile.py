"""Hostile and damaged archives: unsafe names, zip bombs, a gzip bomb inside a zip, 100,000
entries, overlapping entries, a damaged member. Memory is measured with tracemalloc (peak of
Python allocations), not time."""

from __future__ import annotations

import gzip
import io
import struct
import tracemalloc
import zipfile

import export_fixtures as ef
import pytest
from export_fixtures import Act, utc

from shoetrack.exports import archive
from shoetrack.exports.archive import ArchiveError, MemberError, open_export

MiB = 2**20


def peak_of(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def zeros_zip(path, size, name="activities/1.fit"):
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open(name, "w", force_zip64=True) as f,
    ):
        block = bytes(MiB)
        for _ in range(size // MiB):
            f.write(block)
    return path


def test_unsafe_names_ignored_and_reported_the_rest_imported(st, tmp_path):
    run = Act(utc(2022, 5, 29, 6, 0, 0), gear="Pegasus")
    z = ef.strava_export(
        tmp_path / "export_1.zip",
        [run],
        [("Pegasus", "", "", "")],
        extra={
            "../../evil.fit": ef.fit_bytes(run),
            "/etc/passwd.gpx": b"x",
            "C:/win.fit": b"x",
            "activities/../../up.fit": b"x",
        },
    )
    r = st("import", z, code=1)
    assert "Imported 1 file (1 activity)" in r.stdout
    for name in ("../../evil.fit", "/etc/passwd.gpx", "C:/win.fit", "activities/../../up.fit"):
        assert f"failed: {z}!{name}: ignored: the name points outside the export" in r.stderr
    assert not (tmp_path.parent / "evil.fit").exists() and not (tmp_path / "up.fit").exists()
    [a] = st.json("activities")
    assert a["shoe"] == "Pegasus"


def test_safe_name():
    assert archive.safe_name("a\\b/./c.fit") == "a/b/c.fit"
    assert [archive.safe_name(n) for n in ("/x", "..", "a/../b", "D:x", "")] == [None] * 5


def test_zip_bomb_member_refused_with_flat_memory(tmp_path):
    z = zeros_zip(tmp_path / "bomb.zip", 100 * MiB)
    with open_export(z) as arc:
        err, peak = peak_of(lambda: pytest.raises(MemberError, arc.read, "activities/1.fit"))
    assert str(err.value) == "refused: expands more than 150 times (a zip bomb?)"
    assert peak < 8 * MiB  # of the 100 MiB it holds


def test_zip_bomb_through_the_cli_fails_alone(st, tmp_path):
    run = Act(utc(2022, 5, 29, 6, 0, 0))
    z = ef.strava_export(tmp_path / "export_1.zip", [run], [])
    with (
        zipfile.ZipFile(z, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("activities/999.fit", "w", force_zip64=True) as f,
    ):
        for _ in range(100):
            f.write(bytes(MiB))
    r = st("import", z, code=1)
    assert "Imported 1 file (1 activity); 0 duplicate, 0 not an activity, 1 failed." in r.stdout
    assert (
        f"failed: {z}!activities/999.fit: refused: expands more than 150 times (a zip bomb?)"
        in r.stderr
    )


def test_gzip_bomb_inside_zip_refused_with_flat_memory(st, tmp_path):
    bomb = gzip.compress(bytes(100 * MiB), compresslevel=9, mtime=0)
    run = Act(utc(2022, 5, 29, 6, 0, 0))
    z = ef.strava_export(
        tmp_path / "export_1.zip", [run], [], extra={"activities/bomb.fit.gz": bomb}
    )
    with open_export(z) as arc:
        data = arc.read("activities/bomb.fit.gz")
        _, peak = peak_of(lambda: pytest.raises(MemberError, archive.gunzip, data))
    assert peak < 8 * MiB
    r = st("import", z, code=1)
    assert (
        f"failed: {z}!activities/bomb.fit.gz: refused: expands more than 150 times (a zip bomb?)"
        in r.stderr
    )
    assert len(st.json("activities")) == 1


@pytest.fixture(scope="module")
def many_entries(tmp_path_factory):
    path = tmp_path_factory.mktemp("many") / "export_many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(100_000):
            z.writestr(f"activities/{i}.gpx", b"")
    return path


def test_hundred_thousand_entries_refused_before_parsing(st, many_entries):
    _, peak = peak_of(lambda: pytest.raises(ArchiveError, open_export, many_entries))
    assert peak < 4 * MiB  # the directory is counted, not parsed into 100,000 objects
    r = st("import", many_entries, code=1)
    assert f"failed: {many_entries}: refused: 100000 entries (at most 50000)" in r.stderr
    assert st.json("activities") == []


def test_entry_count_that_lies_is_counted(tmp_path, many_entries):
    data = bytearray(many_entries.read_bytes())
    pos = data.rfind(b"PK\x05\x06")
    if data[pos - 20 : pos - 16] == b"PK\x06\x07":  # zip64: say 3 entries in both records
        rec = struct.unpack("<Q", data[pos - 12 : pos - 4])[0]
        data[rec + 24 : rec + 40] = struct.pack("<QQ", 3, 3)
    data[pos + 8 : pos + 12] = struct.pack("<HH", 3, 3)
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="more than 50000 entries"):
        open_export(liar)


def test_overlapping_entries_refused(st, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities/a.fit", bytes(10 * MiB))
    data = buf.getvalue()
    cd = data.rfind(b"PK\x01\x02")
    eocd = data.rfind(b"PK\x05\x06")
    entry = data[cd:eocd]
    twin = entry.replace(b"activities/a.fit", b"activities/b.fit")
    body = data[:cd] + entry + twin
    end = bytearray(data[eocd:])
    end[8:12] = struct.pack("<HH", 2, 2)
    end[12:16] = struct.pack("<I", len(entry) * 2)
    z = tmp_path / "overlap.zip"
    z.write_bytes(body + bytes(end))
    r = st("import", z, code=1)
    assert f"failed: {z}: refused: overlapping entries (a zip bomb)" in r.stderr


def test_damaged_member_fails_alone(st, tmp_path):
    acts = [
        Act(utc(2022, 5, 29, 6, 0, 0), gear="P"),
        Act(utc(2022, 5, 30, 6, 0, 0), gear="P", file="fit"),
    ]
    z = ef.strava_export(tmp_path / "export_1.zip", acts, [])
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("activities/8000000001.fit")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5] ^= 0xFF  # flip a byte inside the deflated data
    z.write_bytes(bytes(data))
    r = st("import", z, code=1)
    assert f"failed: {z}!activities/8000000001.fit: damaged member" in r.stderr
    assert "Imported 2 files (2 activities)" in r.stdout  # the damaged one from its CSV figures
    a = sorted(st.json("activities"), key=lambda x: x["start"])
    assert [(x["source"], x["shoe"]) for x in a] == [("fit", "P"), ("strava", "P")]
    failed = st.json("imports", "--failed")
    assert [f["path"] for f in failed] == [f"{z}!activities/8000000001.fit"]


def test_not_a_zip_and_truncated_zip(st, tmp_path):
    z = ef.strava_export(tmp_path / "export_1.zip", [Act(utc(2022, 5, 29, 6, 0, 0))], [])
    cut = tmp_path / "cut.zip"
    cut.write_bytes(z.read_bytes()[:200])
    r = st("import", cut, code=1)
    assert f"failed: {cut}: not a zip file (no end-of-directory record)" in r.stderr
    assert st.json("activities") == []


def test_nested_zip_bomb_in_garmin_export_fails_alone(st, tmp_path):
    run = Act(utc(2023, 1, 10, 7, 0, 0), gear="Ghost")
    g = ef.garmin_export(tmp_path / "g.zip", [run], [ef.garmin_gear(1, "Ghost")])
    inner = tmp_path / "inner.zip"
    zeros_zip(inner, 100 * MiB, name="x.fit")
    with zipfile.ZipFile(inner, "a") as zf:
        zf.writestr("../../escape.fit", ef.fit_bytes(run))
    with zipfile.ZipFile(g, "a", zipfile.ZIP_STORED) as zf:
        zf.write(inner, "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_9-_Part9.zip")
    r = st("import", g, code=1)
    part = f"{g}!DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_9-_Part9.zip"
    assert f"failed: {part}!x.fit: refused: expands more than 150 times (a zip bomb?)" in r.stderr
    assert (
        f"failed: {part}!../../escape.fit: ignored: the name points outside the export" in r.stderr
    )
    [a] = st.json("activities")
    assert (a["shoe"], a["source"]) == ("Ghost", "fit")


def test_budget_shared_by_layers(tmp_path):
    z = ef.strava_export(tmp_path / "export_1.zip", [Act(utc(2022, 5, 29, 6, 0, 0))], [])
    with (
        open_export(z, archive.Budget(100)) as arc,
        pytest.raises(ArchiveError, match="expands beyond"),
    ):
        arc.read("activities/8000000000.fit.gz")


def test_health_export_xml_streams_with_flat_memory(tmp_path):
    from shoetrack.exports import apple

    run = Act(utc(2022, 5, 29, 15, 53, 35), distance_m=10020.0)
    record = (
        '<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Apple Watch" unit="count/min"'
        ' value="{v}" startDate="2022-05-29 08:00:00 +0200" endDate="2022-05-29 08:00:00 +0200"/>\n'
    )
    body = ef.HEALTH_HEAD + "".join(record.format(v=60 + i % 90) for i in range(60_000))
    body += ef.health_workout(run, ios16=True) + "</HealthData>\n"
    folder = tmp_path / "apple_health_export"
    folder.mkdir()
    (folder / "export.xml").write_text(body)
    assert (folder / "export.xml").stat().st_size > 10 * MiB
    with open_export(folder) as arc:
        plan, peak = peak_of(lambda: apple.plan(arc))
    assert [r.activity.distance_m for r in plan.records] == pytest.approx([10020.0])
    assert peak < 6 * MiB  # the document is 10+ MiB; only a chunk and one workout are held


def test_health_export_with_an_entity_declaration_refused(st, tmp_path):
    folder = tmp_path / "apple_health_export"
    folder.mkdir()
    head = ef.HEALTH_HEAD.replace("]>", '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>')
    (folder / "export.xml").write_text(head + "</HealthData>\n")
    r = st("import", folder, code=1)
    assert f"failed: {folder}: refused: export.xml declares an entity" in r.stderr
