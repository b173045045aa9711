"""Import an export: open it safely, read its plan, create or match its pairs, then import each
activity file and each listed activity through shoetrack.ingest.pipeline, with the export's gear."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shoetrack import shoes as shoes_mod
from shoetrack.config import DEFAULT_REPLACE_M, DEFAULT_WARN_M
from shoetrack.errors import ShoetrackError
from shoetrack.exports import apple, garmin, kind_of, strava
from shoetrack.exports.archive import Archive, ArchiveError, MemberError, gunzip, open_export
from shoetrack.exports.common import is_activity_name
from shoetrack.exports.model import Gear, Plan, Record
from shoetrack.ingest import pipeline
from shoetrack.ingest.paths import stored_path
from shoetrack.shoes import Shoe
from shoetrack.sports import family
from shoetrack.store import Store
from shoetrack.units import iso, local_date

JOIN_WINDOW_S = 300  # a FIT file and its Garmin summary start within a few minutes


@dataclass
class ExportResult:
    """One export: its kind, the pairs created and matched (names), and the per-member results."""

    path: str
    kind: str | None = None
    created: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[pipeline.FileResult] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "kind": self.kind,
            "pairs_created": self.created,
            "pairs_matched": self.matched,
            "notes": self.notes,
        }


def _parser(kind: str):

    return {"strava": strava.plan, "garmin": garmin.plan, "apple": apple.plan}[kind]


def read_plan(arc: Archive) -> Plan:
    """The export's plan; a zip that is no known export imports the activity files it holds."""
    found = kind_of(arc.names())
    if found is None:
        files = [n for n in arc.names() if is_activity_name(n)]
        notes = (
            []
            if files
            else [
                f"{arc.label}: not a Strava, Garmin or Health export, and no activity files in it"
            ]
        )
        return Plan("files", files=files, notes=notes)
    kind, prefix = found
    return _parser(kind)(arc, prefix)


def import_export(
    store: Store,
    path: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> ExportResult:
    """Import one export (zip or folder). Never raises for a bad export: a refused archive or
    an unreadable table is one failed line, a damaged member fails alone."""
    result = ExportResult(stored_path(path))
    try:
        with open_export(path, label=result.path) as arc:
            plan = read_plan(arc)
            result.kind = plan.source
            if total:
                total(len(plan.records) + len(plan.files))
            _run(store, arc, plan, result, progress)
    except (ArchiveError, MemberError, ShoetrackError) as e:
        result.files.append(pipeline.record_member_failure(store, result.path, str(e)))
    return result


def _run(store, arc: Archive, plan: Plan, result: ExportResult, progress) -> None:
    result.notes.extend(plan.notes)
    for name, reason in arc.problems + plan.problems:
        result.files.append(pipeline.record_member_failure(store, arc.vpath(name), reason))
    pairs = ensure_pairs(store, plan, result)
    every = shoes_mod.all_shoes(store)  # once: rules and defaults read it for every member
    joiner = _Joiner(plan.records) if plan.join_by_start else None
    done: set[str] = set()
    by_file = {r.file: r for r in plan.records if r.file}
    for name in [r.file for r in plan.records if r.file] + plan.files:
        gear = _Gear(by_file.get(name), joiner, pairs)
        result.files.append(_member(store, arc, name, gear, every, done))
        if progress:
            progress(name)
    for nested in plan.nested:
        _nested(store, arc, nested, _Gear(None, joiner, pairs), result, progress, every, done)
    vlist = arc.vpath(plan.listing) if plan.listing else arc.label
    for rec in plan.records:
        if rec.key in done:
            continue
        res = pipeline.import_listed(
            store,
            f"{vlist}#{rec.key}",
            rec.activity,
            key=_key(rec),
            fmt=plan.source,
            gear=lambda act, r=rec: pairs.get(r.gear),
            shoes=every,
        )
        result.files.append(res)
        if progress:
            progress(rec.key)


def _key(rec: Record) -> str:
    a = rec.activity
    return f"{iso(a.start)}|{a.sport}|{a.distance_m:.1f}|{a.elapsed_s}|{a.name}"


class _Gear:
    """The gear callable for a member: the record's pair, else the pair of the summary joined
    by start time. `joined` collects the records it answered for: once the member is in, they
    need no import of their own."""

    def __init__(self, rec: Record | None, joiner, pairs: dict[str, Shoe]):
        self.rec, self.joiner, self.pairs = rec, joiner, pairs
        self.joined: list[str] = []

    def __call__(self, act) -> Shoe | None:
        joined = self.rec
        if joined is None and self.joiner is not None:
            joined = self.joiner.find(act)
        if joined is None:
            return None
        self.joined.append(joined.key)
        # The export's title and sport are the runner's word (set or corrected on the site);
        # the file keeps its recorded distance and times.
        act.name = joined.activity.name or act.name
        if joined.activity.sport != "other":
            act.sport = joined.activity.sport
        return self.pairs.get(joined.gear) if joined.gear else None


def _member(
    store, arc: Archive, name: str, gear: _Gear, shoes: list[Shoe], done: set[str]
) -> pipeline.FileResult:
    """Import one activity-file member; the records it stands for go into `done` once it is in
    (a member that fails leaves them to be imported from the export's figures)."""
    vpath = arc.vpath(name)
    try:
        data = arc.read(name)
        if data[:2] == b"\x1f\x8b":
            data = gunzip(data)  # under the archive's caps, before the importer sees it
        # Strava's TCX files often start with spaces before <?xml: XML allows none there.
        data = data.lstrip(b" \t\r\n") if data[:1].isspace() else data
    except MemberError as e:
        return pipeline.record_member_failure(store, vpath, str(e))
    gear.joined.clear()
    res = pipeline.import_member(store, vpath, data, gear=gear, shoes=shoes)
    if res.status in ("imported", "duplicate"):
        done.update(gear.joined)
    return res


def _nested(
    store,
    arc: Archive,
    name: str,
    gear: _Gear,
    result: ExportResult,
    progress,
    shoes: list[Shoe],
    done: set[str],
) -> None:
    try:
        with arc.nested(name) as inner:
            for n, reason in inner.problems:
                result.files.append(pipeline.record_member_failure(store, inner.vpath(n), reason))
            for n in inner.names():
                if is_activity_name(n):
                    result.files.append(_member(store, inner, n, gear, shoes, done))
                    if progress:
                        progress(n)
    except (ArchiveError, MemberError) as e:
        result.files.append(pipeline.record_member_failure(store, arc.vpath(name), str(e)))


class _Joiner:
    """Records by start time: the nearest unused one within JOIN_WINDOW_S of an activity, of the
    same sport family when there is one."""

    def __init__(self, records: list[Record]):
        self.records = sorted(records, key=lambda r: r.activity.start)
        self.starts = [r.activity.start.timestamp() for r in self.records]
        self.used: set[int] = set()

    def find(self, act) -> Record | None:
        t = act.start.timestamp()
        lo = bisect.bisect_left(self.starts, t - JOIN_WINDOW_S)
        hi = bisect.bisect_right(self.starts, t + JOIN_WINDOW_S)
        best = None
        for i in range(lo, hi):
            if i in self.used:
                continue
            rank = (
                family(self.records[i].activity.sport) != family(act.sport),
                abs(self.starts[i] - t),
            )
            if best is None or rank < best[0]:
                best = (rank, i)
        if best is None:
            return None
        self.used.add(best[1])
        return self.records[best[1]]


def ensure_pairs(store: Store, plan: Plan, result: ExportResult) -> dict[str, Shoe]:
    """Gear key -> pair: an existing pair of the same name (case-insensitive), else a new one.
    A pair's purchase date is its first use in the export (or the export's own start date); an
    existing pair gets it when its own is unknown or later (the export shows it in use then)."""
    first = _first_use(plan)
    out: dict[str, Shoe] = {}
    for key, g in plan.gear.items():
        dates = [d for d in (first.get(key), g.purchased_on) if d]
        start = min(dates) if dates else None
        existing = store.one("SELECT id FROM shoes WHERE name = ? COLLATE NOCASE", (g.name,))
        if existing:
            shoe = shoes_mod.get(store, existing["id"])
            if start and (shoe.purchased_on is None or start.isoformat() < shoe.purchased_on):
                verb = "set" if shoe.purchased_on is None else "moved"
                shoe = shoes_mod.edit(store, shoe, purchased_on=start)
                result.notes.append(
                    f"{shoe.name}: purchase date {verb} to {start}, its first use in the export"
                )
            result.matched.append(shoe.name)
        else:
            shoe = _create(store, g, start)
            result.created.append(shoe.name)
        out[key] = shoe
    return out


def _create(store: Store, g: Gear, start: date | None) -> Shoe:
    values: dict[str, Any] = {
        "brand": g.brand,
        "model": g.model,
        "default_sports": g.default_sports,
        "replace_at_m": g.replace_at_m,
        "retired_on": g.retired_on,
    }
    if g.replace_at_m:
        # The export's replace distance comes with no warn distance: keep the default window's
        # proportion (300 of 500 mi), so the window ends below it whatever the config says.

        values["warn_at_m"] = g.replace_at_m * DEFAULT_WARN_M / DEFAULT_REPLACE_M
    if start:
        values["purchased_on"] = start
    if g.retired_on and start and g.retired_on < start:
        values["retired_on"] = start
    return shoes_mod.add(store, g.name, **{k: v for k, v in values.items() if v not in (None, [])})


def _first_use(plan: Plan) -> dict[str, date]:

    first: dict[str, date] = {}
    for r in plan.records:
        if r.gear:
            d = local_date(iso(r.activity.start))
            if r.gear not in first or d < first[r.gear]:
                first[r.gear] = d
    return first
