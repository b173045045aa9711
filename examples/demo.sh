#!/bin/sh
# The 5-minute walkthrough on the bundled example files, in a throw-away database.
# Usage: sh examples/demo.sh   (with `shoetrack` on PATH, e.g. from .venv/bin)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SHOETRACK_DB="${SHOETRACK_DB:-$(mktemp -d)/demo.db}"
SHOETRACK_CONFIG="${SHOETRACK_CONFIG:-$here/config.toml}"
export SHOETRACK_DB SHOETRACK_CONFIG
echo "demo database: $SHOETRACK_DB"

shoetrack shoe add "Pegasus 40" --brand Nike --purchased 2026-01-05 --default-for run \
    --start-distance 265mi
shoetrack shoe add "Speedgoat 5" --brand Hoka --purchased 2026-02-01 --default-for trail_run
shoetrack shoe add "Treadmill Ghost" --brand Brooks --purchased 2026-01-05 --default-for treadmill_run
shoetrack import --no-progress "$here/activities"
shoetrack log 5mi --date 2026-11-20 --duration 42:10 --note "easy loop, no watch"
shoetrack activities --limit 10
shoetrack status
