"""FIT reader on files written by examples/fitwriter.py: exact values, edge cases, CRC."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import struct
from datetime import timedelta
from pathlib import Path

import pytest
from importer_fixtures import START, fit_run, fitwriter

import importers
from importers import NotAnActivity, ParseError, Undatable, fit


def test_road_run_exact_values():
    (a,) = importers.read_bytes(fit_run())
    assert a.start == START
    assert a.sport == "run" and a.sub_sport == "generic"
    assert a.distance_m == 10000.0
    assert a.elapsed_s == 3000.0 and a.moving_s == 2940.0
    assert a.has_gps and not a.recovered and a.warnings == []
    assert a.device == "garmin fenix5"
    assert a.source == "fit" and a.session_index == 0


@pytest.mark.parametrize(
    "sport, sub, expected",
    [
        (1, 1, "treadmill_run"),
        (1, 45, "treadmill_run"),
        (1, 3, "trail_run"),
        (1, 4, "track_run"),
        (1, 2, "run"),
        (1, 58, "run"),
        (11, 0, "walk"),
        (17, 0, "hike"),
        (2, 6, "cycling"),
        (5, 17, "swimming"),
        (15, 0, "rowing"),
        (4, 14, "rowing"),
        (4, 1, "treadmill_run"),
        (10, 20, "strength"),
        (10, 43, "other"),
        (0, 0, "other"),
        (53, 0, "other"),
    ],
)
def test_sport_mapping(sport, sub, expected):
    data = fit_run(
        sessions=[{"sport": sport, "sub_sport": sub, "distance_m": 1000.0, "elapsed_s": 600}]
    )
    (a,) = importers.read_bytes(data)
    assert a.sport == expected
    assert a.extra["fit_sport"]


def test_treadmill_without_positions_has_no_gps():
    data = fit_run(
        lat=None,
        sessions=[{"sport": 1, "sub_sport": 1, "distance_m": 5000.0, "elapsed_s": 1800}],
        sport_name="Treadmill",
    )
    (a,) = importers.read_bytes(data)
    assert (a.sport, a.sub_sport, a.has_gps, a.name) == (
        "treadmill_run",
        "treadmill",
        False,
        "Treadmill",
    )


def test_multisport_one_activity_per_session():
    sessions = [
        {"sport": 5, "sub_sport": 18, "distance_m": 1500.0, "elapsed_s": 1800},
        {"sport": 3, "sub_sport": 0, "distance_m": 120.5, "elapsed_s": 150},
        {"sport": 2, "sub_sport": 0, "distance_m": 40000.0, "elapsed_s": 4000},
        {"sport": 3, "sub_sport": 0, "distance_m": 30.25, "elapsed_s": 60},
        {"sport": 1, "sub_sport": 0, "distance_m": 10000.0, "elapsed_s": 2700},
    ]
    acts = importers.read_bytes(fit_run(sessions=sessions))
    assert [a.sport for a in acts] == ["swimming", "transition", "cycling", "transition", "run"]
    assert [a.distance_m for a in acts] == [1500.0, 120.5, 40000.0, 30.25, 10000.0]
    assert [a.session_index for a in acts] == [0, 1, 2, 3, 4]
    assert acts[1].start == START + timedelta(seconds=1801)


@pytest.mark.parametrize(
    "kw",
    [
        {"big_endian": True},
        {"dev_fields": True},
        {"compressed": True, "records_per_session": 120},
        {"big_endian": True, "dev_fields": True, "compressed": True, "records_per_session": 120},
    ],
)
def test_encodings_give_the_same_session(kw):
    (a,) = importers.read_bytes(fit_run(**kw))
    assert (a.start, a.distance_m, a.elapsed_s, a.moving_s) == (START, 10000.0, 3000.0, 2940.0)


def test_chained_files_are_all_read():
    one = fit_run()
    two = fit_run(
        start=START + timedelta(hours=2),
        sessions=[{"sport": 2, "sub_sport": 0, "distance_m": 20000.0, "elapsed_s": 3600}],
    )
    acts = importers.read_bytes(one + two)
    assert [(a.sport, a.distance_m) for a in acts] == [("run", 10000.0), ("cycling", 20000.0)]
    assert acts[0].extra["fit_chained_files"] == 2


def test_crash_without_session_uses_laps():
    (a,) = importers.read_bytes(fit_run(with_session=False))
    assert a.recovered and a.distance_m == 10000.0 and a.elapsed_s == 3000.0
    assert "rebuilt from laps" in a.warnings[0]


@pytest.mark.parametrize("compressed", [False, True])
def test_crash_without_session_or_lap_uses_records(compressed):
    data = fit_run(
        with_session=False, with_laps=False, compressed=compressed, records_per_session=120
    )
    (a,) = importers.read_bytes(data)
    assert a.recovered and a.start == START
    assert a.distance_m == 10000.0
    assert a.elapsed_s == 3000.0  # compressed offsets resolved against the last full timestamp
    assert a.has_gps and "rebuilt from records" in a.warnings[0]


def test_device_relative_time_is_undatable():
    with pytest.raises(Undatable, match="device power-on"):
        importers.read_bytes(fit_run(raw_start=17217864))


def test_settings_file_is_not_an_activity():
    with pytest.raises(NotAnActivity, match="not an activity: FIT settings file"):
        importers.read_bytes(fitwriter.settings_file())


def test_crc_mismatch_with_clean_data_imports_with_warning():
    data = bytearray(fit_run())
    data[-1] ^= 0xFF
    (a,) = importers.read_bytes(bytes(data))
    assert a.distance_m == 10000.0
    assert a.warnings == ["file CRC mismatch: the data may be corrupt"]


def test_truncated_after_session_keeps_session():
    data = fit_run()
    cut = data[: len(data) - 2 - 10]  # drop the CRC and the end of the activity message
    (a,) = importers.read_bytes(cut)
    assert a.distance_m == 10000.0 and a.warnings[0].startswith("file truncated")


def test_truncated_before_session_recovers_from_records():
    w = fitwriter.activity(
        START,
        [{"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500}],
        records_per_session=60,
        with_session=False,
        with_laps=False,
    )
    data = w.to_bytes()
    (a,) = importers.read_bytes(data[: len(data) // 2])
    assert a.recovered and 0 < a.distance_m < 5000.0


def test_header_only_and_garbage():
    with pytest.raises(ParseError, match="empty file"):
        importers.read_bytes(b"")
    head = fit_run()[:14]
    with pytest.raises(ParseError) as err:
        importers.read_bytes(head)
    assert "\n" not in str(err.value)
    with pytest.raises(ParseError, match="unknown format"):
        importers.read_bytes(b"hello world, not a FIT file")


def test_implausible_distance_refused():
    data = fit_run(
        sessions=[{"sport": 1, "sub_sport": 0, "distance_m": 5_000_000.0, "elapsed_s": 3000}]
    )
    with pytest.raises(ParseError, match="implausible distance"):
        importers.read_bytes(data)


def test_gzipped_fit(tmp_path):
    p = tmp_path / "run.fit.gz"
    p.write_bytes(gzip.compress(fit_run()))
    (a,) = importers.read(p)
    assert a.distance_m == 10000.0


def test_missing_file_is_parse_error(tmp_path):
    with pytest.raises(ParseError, match="cannot read file"):
        importers.read(tmp_path / "nope.fit")


@pytest.mark.parametrize(
    "n", [0, 1, 2, 3, 15, 16, 17, 4095, 65533, 65534, 65535, 65536, 98303, 200001]
)
def test_crc_matches_bitwise_definition(n):
    data = os.urandom(n)
    assert fit.crc16(data) == fit.crc16_reference(data) == fitwriter.crc16(data)


def test_crc_of_block_with_its_crc_is_zero():
    data = fit_run()
    assert fit.crc16(data) == 0
    assert struct.unpack("<H", data[-2:])[0] == fit.crc16(data, 0, len(data) - 2)


# --- the optional compiled CRC (the `fast` extra) ------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _corpus_fit() -> list[bytes]:
    manifest = CORPUS / "manifest.json"
    if not manifest.is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"corpus missing at {CORPUS} (CI=true)")
        pytest.skip(f"corpus not found at {CORPUS}")
    out = []
    for e in json.loads(manifest.read_text())["files"]:
        if e["format"] == "fit":
            raw = (CORPUS / e["file"]).read_bytes()
            out.append(gzip.decompress(raw) if e["compression"] == "gzip" else raw)
    return out


@pytest.mark.corpus
def test_compiled_crc_equals_pure_python_on_every_corpus_fit_file():
    arc = pytest.importorskip("fastcrc.crc16").arc
    files = _corpus_fit()
    assert len(files) == 23
    for data in files:
        n = len(data)
        for start, end in (
            (0, n),
            (0, max(0, n - 2)),
            (0, min(n, 12)),
            (min(n, 14), max(0, n - 2)),
            (n // 3, n // 2),
        ):
            assert (
                arc(data[start:end])
                == fit.crc16(data, start, end)
                == fit.file_crc(data, start, end)
            )


@pytest.mark.corpus
def test_reader_reads_the_same_without_the_compiled_crc(monkeypatch):
    pytest.importorskip("fastcrc")
    assert fit._arc is not None

    def outcome(data):
        try:
            return [dataclasses.asdict(a) for a in importers.read_bytes(data)]
        except ParseError as exc:
            return (type(exc), str(exc))

    files = _corpus_fit()
    fast = [outcome(d) for d in files]
    monkeypatch.setattr(fit, "_arc", None)
    assert [outcome(d) for d in files] == fast
    mismatch = [
        o
        for o in fast
        if isinstance(o, list) and any("file CRC mismatch" in w for a in o for w in a["warnings"])
    ]
    assert mismatch  # the corpus has a file whose CRC is wrong: both paths must see it


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4095, 65534, 200001])
def test_file_crc_matches_the_definition_with_and_without_the_accelerator(n, monkeypatch):
    data = os.urandom(n)
    want = fit.crc16_reference(data)
    assert fit.file_crc(data) == want
    monkeypatch.setattr(fit, "_arc", None)
    assert fit.file_crc(data) == want


# --- sessions without a distance, duplicated sessions, a header without a data size ----------


def test_session_without_distance_uses_the_sum_of_its_laps():
    """A Suunto-style run: 15.2 km in 21 laps, no session total_distance (read as 0 m before)."""
    data = fit_run(
        sessions=[{"sport": 1, "distance_m": 15200.0, "elapsed_s": 4200}],
        laps_per_session=21,
        session_distance=False,
    )
    (a,) = importers.read_bytes(data)
    assert a.distance_m == pytest.approx(15200.0, abs=0.21)  # 21 laps rounded to the centimeter
    assert a.distance_m == sum(round(15200.0 * 100 / 21) for _ in range(21)) / 100
    assert "session has no total distance: sum of its 21 laps used" in a.warnings


def test_session_without_distance_or_lap_distances_uses_the_last_record():
    data = fit_run(
        sessions=[{"sport": 1, "distance_m": 8000.0, "elapsed_s": 2400}],
        session_distance=False,
        lap_distance=False,
        records_per_session=30,
    )
    (a,) = importers.read_bytes(data)
    assert a.distance_m == 8000.0
    assert "session has no total distance: its last record distance used" in a.warnings
    assert not a.recovered


def test_session_distance_fallbacks_stay_within_each_session_of_a_multisport_file():
    sessions = [
        {"sport": 2, "distance_m": 20000.0, "elapsed_s": 2400},
        {"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500},
    ]
    data = fit_run(sessions=sessions, laps_per_session=2, session_distance=False)
    ride, run = importers.read_bytes(data)
    assert (ride.sport, ride.distance_m) == ("cycling", 20000.0)
    assert (run.sport, run.distance_m) == ("run", 5000.0)
    data = fit_run(sessions=sessions, session_distance=False, lap_distance=False)
    ride, run = importers.read_bytes(data)
    assert ride.distance_m == 20000.0
    assert run.distance_m == 25000.0  # the records' distance is cumulative over the file


def test_the_same_session_twice_is_one_activity():
    data = fit_run(repeat_sessions=2)
    (a,) = importers.read_bytes(data)
    assert (a.distance_m, a.session_index) == (10000.0, 0)
    two = fit_run(
        sessions=[
            {"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500},
            {"sport": 1, "distance_m": 5000.0, "elapsed_s": 1500},
        ]
    )
    assert len(importers.read_bytes(two)) == 2  # same sport and distance, other start: two runs


def test_header_without_data_size_says_so_truthfully():
    w = fitwriter.activity(START, [{"sport": 1, "distance_m": 10000.0, "elapsed_s": 3000}])
    data = w.to_bytes(data_size=0)
    (a,) = importers.read_bytes(data)
    assert a.distance_m == 10000.0
    (msg,) = [m for m in a.warnings if "data size" in m]
    assert msg.startswith(
        "FIT header has no data size (recording did not end cleanly): messages read up to byte "
    )
    stop = int(msg.rsplit(" of ", 1)[0].rsplit(" ", 1)[1])
    assert msg.endswith(f" of {len(data)}") and 14 < stop <= len(data)
    assert not any("truncated at byte" in m for m in a.warnings)
