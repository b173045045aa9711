"""Map each format's sport names onto the canonical vocabulary in ``importers.model.SPORTS``.

Rules (documented in docs/importers.md):

* FIT: the numeric ``sport``/``sub_sport`` pair of the session. running + treadmill or
  indoor_running -> treadmill_run (so does fitness_equipment + treadmill, an ANT+ FE-C treadmill);
  running + trail -> trail_run; running + track -> track_run; any other running -> run.
  A virtual run (running + virtual_activity) stays "run": it is not told apart from outdoor runs.
* GPX ``<trk><type>`` and TCX ``Activity/@Sport``: free text, matched case-insensitively with
  ``-``/``_`` read as spaces, plus Strava's numeric GPX codes (1 ride, 4 hike, 9 run, 10 walk,
  16 swim). Unknown text -> "other". A GPX track with no ``<type>`` at all is a "run" (see gpx.py):
  this is a running-shoe tracker and most untyped GPX files come from running apps.
"""

from __future__ import annotations

# FIT sport enum numbers (FIT profile "sport") -> canonical sport, before sub_sport refinement.
_FIT_SPORT = {
    0: "other",  # generic
    1: "run",
    2: "cycling",
    3: "transition",
    5: "swimming",
    10: "strength",  # training
    11: "walk",
    15: "rowing",
    16: "hike",  # mountaineering: on foot, in (some kind of) shoes
    17: "hike",
    18: "multisport",
    21: "cycling",  # e_biking
    66: "run",  # wheelchair_push_run: no shoes, but the distance is a run's; sub_sport kept raw
}

# FIT sub_sport numbers that refine running (or fitness_equipment) into a shoe sport.
_FIT_RUN_SUB: dict[int | None, str] = {
    1: "treadmill_run",
    45: "treadmill_run",
    3: "trail_run",
    4: "track_run",
}
_FIT_FITNESS_EQUIPMENT_SUB: dict[int | None, str] = {
    1: "treadmill_run",  # treadmill
    45: "treadmill_run",  # indoor_running
    6: "cycling",  # indoor_cycling
    5: "cycling",  # spin
    14: "rowing",  # indoor_rowing
    20: "strength",  # strength_training
    27: "walk",  # indoor_walking
}
_FIT_TRAINING_OTHER_SUB = {19, 43, 44}  # flexibility_training, yoga, pilates: not strength work


def fit_sport(sport: int | None, sub_sport: int | None) -> str:
    """Canonical sport for a FIT ``sport``/``sub_sport`` pair of enum numbers (None = absent)."""
    if sport == 1:
        return _FIT_RUN_SUB.get(sub_sport, "run")
    if sport == 4:
        return _FIT_FITNESS_EQUIPMENT_SUB.get(sub_sport, "other")
    if sport == 10 and sub_sport in _FIT_TRAINING_OTHER_SUB:
        return "other"
    if sport is None:
        return "other"
    return _FIT_SPORT.get(sport, "other")


_TEXT = {
    "run": "run",
    "running": "run",
    "road running": "run",
    "street running": "run",
    "jogging": "run",
    "9": "run",  # Strava GPX numeric code
    "trail run": "trail_run",
    "trail running": "trail_run",
    "trailrun": "trail_run",
    "treadmill": "treadmill_run",
    "treadmill run": "treadmill_run",
    "treadmill running": "treadmill_run",
    "indoor run": "treadmill_run",
    "indoor running": "treadmill_run",
    "track run": "track_run",
    "track running": "track_run",
    "walk": "walk",
    "walking": "walk",
    "casual walking": "walk",
    "speed walking": "walk",
    "10": "walk",
    "hike": "hike",
    "hiking": "hike",
    "mountaineering": "hike",
    "4": "hike",
    "ride": "cycling",
    "bike": "cycling",
    "biking": "cycling",
    "cycling": "cycling",
    "road biking": "cycling",
    "road cycling": "cycling",
    "mountain biking": "cycling",
    "mountain bike ride": "cycling",
    "mountainbikeride": "cycling",
    "gravel cycling": "cycling",
    "gravelride": "cycling",
    "virtualride": "cycling",
    "ebikeride": "cycling",
    "e biking": "cycling",
    "indoor cycling": "cycling",
    "1": "cycling",
    "swim": "swimming",
    "swimming": "swimming",
    "open water swimming": "swimming",
    "lap swimming": "swimming",
    "16": "swimming",
    "row": "rowing",
    "rowing": "rowing",
    "indoor rowing": "rowing",
    "strength": "strength",
    "strength training": "strength",
    "weighttraining": "strength",
    "weight training": "strength",
    "training": "strength",
    "transition": "transition",
    "multisport": "multisport",
    "other": "other",
}


def text_sport(value: str | None) -> str:
    """Canonical sport for a GPX ``<type>`` or TCX ``Sport`` string; unknown or empty -> "other"."""
    if not value:
        return "other"
    key = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return _TEXT.get(key, "other")
