"""Learned suggestions: the pair the runner would pick, from the pairs they picked before.

The history is every activity whose pair a person chose (`assignments.by` manual, inbox or
archive). Each activity is described by a few features computed in SQL, so that the history of
100,000 activities arrives as one small grouped table (one row per pair and combination of
features) instead of one row per activity:

  kind    sport and sub-sport (trail run, treadmill run ...)
  dist    distance class (short < 5 km, mid-length, longer >= 12 km, long >= 16 km, very long >= 30 km)
  wd      local weekday; tod: local time of day (early, morning, lunchtime, afternoon, evening, night)
  pace    seconds per km in 30 s steps, compared with the runner's usual pace (fast, easy)
  gps     whether the file had GPS (treadmill and indoor runs have none)
  device  the recording device

A naive-Bayes score over these features (plus distance x weekday together, the shape of a
rotation such as "the long Sunday run") ranks the pairs eligible for the activity. The top pair
is suggested only when it is clearly ahead and some group of past runs like this one backs it;
the reason names that group ("like your 6 long Sunday runs"). Otherwise the caller balances wear.
The start place is not stored, so it is not a feature.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations

from shoetrack.shoes import Shoe
from shoetrack.sports import SHOE_SPORTS
from shoetrack.store import Store
from shoetrack.units import from_iso, iso

# Local hour -> time of day: early 05-09, morning 09-12, lunchtime 12-14, afternoon 14-18,
# evening 18-22, night 22-05.
TIMES_OF_DAY = (
    ("night",) * 5
    + ("early",) * 4
    + ("morning",) * 3
    + ("lunchtime",) * 2
    + ("afternoon",) * 4
    + ("evening",) * 4
    + ("night",) * 2
)
# A lookup of the hour ('HH' text), not a CASE of ranges that would convert to local time once
# per range tried (up to six times a row).
TOD_WHENS = " ".join(
    f"WHEN '{h:02d}' THEN '{w}'" for h, w in enumerate(TIMES_OF_DAY) if w != "night"
)
DIST_SQL = """CASE WHEN a.distance_m < 5000 THEN 0 WHEN a.distance_m < 8000 THEN 1
         WHEN a.distance_m < 12000 THEN 2 WHEN a.distance_m < 16000 THEN 3
         WHEN a.distance_m < 21500 THEN 4 WHEN a.distance_m < 30000 THEN 5 ELSE 6 END"""
PACE_SQL = """CASE WHEN a.distance_m > 500 AND coalesce(a.moving_s, a.elapsed_s) > 0
         THEN min(16, max(6, CAST(coalesce(a.moving_s, a.elapsed_s) * 1000.0 / a.distance_m / 30 AS INTEGER)))
         ELSE -1 END"""

# The feature columns, for history and waiting activities alike (`a` = activities). Local time
# through SQLite's 'localtime', the same zone local_date uses.
FEATURES_SQL = f"""
    a.sport || '/' || coalesce(a.sub_sport, '') AS kind,
    {DIST_SQL} AS dist,
    CAST(strftime('%w', a.start, 'localtime') AS INTEGER) AS wd,
    CASE strftime('%H', a.start, 'localtime') {TOD_WHENS} ELSE 'night' END AS tod,
    {PACE_SQL} AS pace,
    a.has_gps AS gps,
    coalesce(a.device, '') AS device"""

# The same features, for the history, in two steps: grouped first by the stored columns and
# one local-time conversion per row (weekday and hour together, '%w%H'), then those groups (a
# few thousand) turned into the feature columns and grouped again. Per row that is one
# conversion instead of two and no text built (155 ms instead of 210 ms for 57,000 choices).
HISTORY_SQL = f"""
SELECT shoe_id, sport || '/' || coalesce(sub_sport, '') AS kind, dist,
       CAST(substr(wh, 1, 1) AS INTEGER) AS wd, CASE substr(wh, 2) {TOD_WHENS} ELSE 'night' END AS tod,
       pace, gps, coalesce(device, '') AS device, sum(n) AS n
FROM (SELECT g.shoe_id, a.sport, a.sub_sport, {DIST_SQL} AS dist,
             strftime('%w%H', a.start, 'localtime') AS wh, {PACE_SQL} AS pace, a.has_gps AS gps,
             a.device, count(*) AS n
      FROM assignments g JOIN activities a ON a.id = g.activity_id
      WHERE g.by IN ('manual', 'inbox', 'archive') AND a.ignored = 0 AND a.sport IN ({{sports}})
        AND a.start >= ? AND a.start <= ?
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8)
GROUP BY shoe_id, kind, dist, wd, tod, pace, gps, device
"""

ALPHA = 1.0  # Laplace smoothing of every feature count
MIN_POSTERIOR = 0.6  # the top pair's share of the probability among eligible pairs
MIN_SUPPORT = 3  # past runs like this one on the suggested pair
MIN_PURITY = 0.6  # ... and the share of such runs that went on it
MIN_LIKELY = 0.15  # a pair with this share is one the runner wears for runs like this

DIST_WORDS = ("short", "mid-length", "mid-length", "longer", "long", "long", "very long")
WEEKDAYS = (
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
)  # %w order
KIND_WORDS = {"trail_run": "trail", "treadmill_run": "treadmill", "track_run": "track"}
NOUNS = {"walk": "walks", "hike": "hikes"}
MODEL_FEATURES = ("kind", "dist", "wd", "tod", "pace", "gps", "device", "dist_wd")
# A reason names one feature, or two of these together ("long Sunday runs").
PAIRED = ("kind", "dist", "wd", "tod", "pace")
PAIR_GROUPS = list(combinations(PAIRED, 2))
REASON_GROUPS = [(f,) for f in MODEL_FEATURES if f != "dist_wd"] + PAIR_GROUPS
HISTORY_DAYS = 365  # choices this far around the waiting activities teach the model


@dataclass
class Learned:
    """A confident suggestion (`shoe`, `reason`), or when the history is split, `likely`: the
    pairs it points to for runs like this one (to balance wear among them)."""

    shoe: Shoe | None
    reason: str
    posterior: float
    likely: list[Shoe]


class Model:
    """Counts of past choices per feature value and pair, built from HISTORY_SQL rows.

    `single[f][value][shoe_id]` feeds the score (a query reads one dict per feature);
    `cells[(group, values, shoe_id)]` the reasons (a flat dict: cheap to build, read rarely)."""

    def __init__(self, rows: list[dict]):
        paces = sorted((r["pace"], r["n"]) for r in rows if r["pace"] >= 0)
        self.usual_pace = _weighted_median(paces)
        self.total: dict[int, int] = defaultdict(int)
        self.single: dict[str, dict] = {f: {} for f in MODEL_FEATURES}
        self.cells: dict[tuple, int] = defaultdict(int)
        cells, single = self.cells, self.single
        for r in rows:
            feats, shoe_id, n = self.features(r), r["shoe_id"], r["n"]
            self.total[shoe_id] += n
            for f in MODEL_FEATURES:
                by_shoe = single[f].setdefault(feats[f], {})
                by_shoe[shoe_id] = by_shoe.get(shoe_id, 0) + n
            for g in PAIR_GROUPS:
                cells[(g, (feats[g[0]], feats[g[1]]), shoe_id)] += n
        sizes = {f: len(single[f]) + 1 for f in MODEL_FEATURES}  # +1: a value never seen
        # log P(pair) less the denominators of every feature: the part of a score that does not
        # depend on the activity.
        self.base = {
            i: math.log(n + ALPHA) - sum(math.log(n + ALPHA * sizes[f]) for f in MODEL_FEATURES)
            for i, n in self.total.items()
        }
        self.blank = math.log(ALPHA) - sum(math.log(ALPHA * sizes[f]) for f in MODEL_FEATURES)
        # Waiting runs alike (same features, same pairs eligible) get the same answer: a backlog
        # of thousands asks only for a few hundred distinct ones.
        self._memo: dict[tuple, Learned | None] = {}

    def count(self, group: tuple, key: tuple, shoe_id: int) -> int:
        if len(group) == 1:
            return self.single[group[0]].get(key[0], {}).get(shoe_id, 0)
        return self.cells.get((group, key, shoe_id), 0)

    def features(self, r: dict) -> dict:
        """Model features of a row with the FEATURES_SQL columns."""
        pace = r["pace"]
        if pace < 0 or self.usual_pace is None:
            pace_word = ""
        elif pace <= self.usual_pace - 2:
            pace_word = "fast"
        elif pace >= self.usual_pace + 2:
            pace_word = "easy"
        else:
            pace_word = "usual"
        return {
            "kind": r["kind"],
            "dist": DIST_WORDS[r["dist"]],
            "wd": r["wd"],
            "tod": r["tod"],
            "pace": pace_word,
            "gps": r["gps"],
            "device": r["device"],
            "dist_wd": (r["dist"], r["wd"]),
        }

    def suggest(self, act: dict, eligible: list[Shoe]) -> Learned | None:
        """The pair the history points to for `act` (FEATURES_SQL columns), among `eligible`;
        None without history on any of them. The answer is shared by runs alike: read it, do
        not change it."""
        feats = self.features(act)
        key = (act["sport"], *(feats[f] for f in MODEL_FEATURES), *(s.id for s in eligible))
        if key not in self._memo:
            self._memo[key] = self._suggest(feats, eligible, act["sport"])
        return self._memo[key]

    def _suggest(self, feats: dict, eligible: list[Shoe], sport: str) -> Learned | None:
        pool = [s for s in eligible if self.total.get(s.id)]
        if not pool:
            return None
        tables = [self.single[f].get(feats[f], {}) for f in MODEL_FEATURES]
        scores = [
            self.base[s.id] + sum(math.log(t.get(s.id, 0) + ALPHA) for t in tables) for s in pool
        ]
        unseen = len(eligible) - len(pool)  # pairs without history all score self.blank
        top = max(scores + ([self.blank] if unseen else []))
        norm = sum(math.exp(v - top) for v in scores) + unseen * math.exp(self.blank - top)
        i = max(
            range(len(pool)),
            key=lambda j: (scores[j], -self.total[pool[j].id], pool[j].name.lower()),
        )
        shares = [math.exp(v - top) / norm for v in scores]
        # Pairs worn for runs like this: a fair share, and enough runs of the same kind on them.
        kinds = tables[MODEL_FEATURES.index("kind")]
        likely = [
            s
            for s, p in zip(pool, shares, strict=True)
            if p >= MIN_LIKELY and kinds.get(s.id, 0) >= MIN_SUPPORT
        ]
        if shares[i] >= MIN_POSTERIOR:
            reason = self._reason(pool[i], feats, [s.id for s in eligible], sport)
            if reason:
                return Learned(pool[i], reason, shares[i], likely)
        return Learned(None, "", shares[i], likely)

    def _reason(self, shoe: Shoe, feats: dict, eligible: list[int], sport: str) -> str | None:
        best = None
        for group in REASON_GROUPS:
            if not all(_describable(f, feats[f]) for f in group):
                continue
            key = tuple(feats[f] for f in group)
            k = self.count(group, key, shoe.id)
            if k < MIN_SUPPORT:
                continue
            n = sum(self.count(group, key, i) for i in eligible)
            rank = (round(k / n, 2), k, len(group))
            if k / n >= MIN_PURITY and (best is None or rank > best[0]):
                best = (rank, group, k, n)
        if best is None:
            return None
        _, group, k, n = best
        what = describe(group, feats, sport)
        return f"like your {n} {what}" if k == n else f"like {k} of your {n} {what}"


def _describable(feature: str, value) -> bool:
    """Values that say something in words ('runs with GPS' or 'usual pace' do not)."""
    if feature == "gps":
        return value == 0
    if feature == "pace":
        return value in ("fast", "easy")
    if feature == "device":
        return bool(value)
    if feature == "kind":  # a plain run says nothing: "runs" is every run
        return value not in ("run/", "run/generic", "run/street")
    return True


def describe(group: tuple, feats: dict, sport: str) -> str:
    """'long Sunday runs', 'trail runs', 'evening treadmill runs', 'runs on Forerunner 255'."""
    words = []
    for f in ("pace", "tod", "dist", "wd"):
        if f in group:
            words.append(WEEKDAYS[feats[f]] if f == "wd" else feats[f])
    base, _, sub = feats["kind"].partition("/")
    if "kind" in group:
        kind = KIND_WORDS.get(base, "")
        sub = sub.replace("_", " ") if sub not in ("", "generic", kind) else ""
        words.append(" ".join(filter(None, [kind, sub])))
    words.append(NOUNS.get(sport, "runs"))
    if "device" in group:
        words.append(f"on {feats['device']}")
    if "gps" in group:
        words.append("without GPS")
    return " ".join(w for w in words if w)


def _weighted_median(pairs: list[tuple[int, int]]) -> int | None:
    total = sum(n for _, n in pairs)
    if not total:
        return None
    seen = 0
    for value, n in pairs:
        seen += n
        if 2 * seen >= total:
            return value
    return None


def load(store: Store, first: str, last: str) -> Model:
    """The model of the choices a person made from HISTORY_DAYS before `first` to HISTORY_DAYS
    after `last` (ISO UTC starts of the waiting activities), from one grouped query."""
    lo = from_iso(first) - timedelta(days=HISTORY_DAYS)
    hi = from_iso(last) + timedelta(days=HISTORY_DAYS)
    sql = HISTORY_SQL.format(sports=", ".join("?" for _ in SHOE_SPORTS))
    return Model(store.q(sql, [*SHOE_SPORTS, iso(lo), iso(hi)]))
