#!/bin/sh
# Install the system programs the notification and report tests run against:
#   dbus-daemon            private session buses            (dbus, dbus-bin: dbus-send)
#   Xvfb                   an X display for dunst            (xvfb)
#   dunst, dunstctl        a real notification daemon        (dunst)
#   busctl                 `dunstctl history` calls it       (systemd; absent from slim images)
#   notify-send            handy when debugging by hand      (libnotify-bin)
#   chromium               the headless browser the report test opens the report in (chromium)
#
# Idempotent: when every command is already there nothing is installed, so a warm CI image or a
# developer machine pays nothing. Needs root (or sudo) only when something is missing.
set -eu

# command:package pairs (Debian 12)
NEEDS="dbus-daemon:dbus dbus-send:dbus-bin Xvfb:xvfb dunst:dunst dunstctl:dunst busctl:systemd notify-send:libnotify-bin chromium:chromium"

missing=""
packages=""
for pair in $NEEDS; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1; then
        missing="$missing $cmd"
        # Only the packages of missing commands: naming an installed package to apt-get would
        # also upgrade it (and its whole family, e.g. systemd), which is not this script's job.
        case " $packages " in *" $pkg "*) ;; *) packages="$packages $pkg" ;; esac
    fi
done

if [ -z "$missing" ]; then
    echo "services.sh: all present"
    exit 0
fi
echo "services.sh: missing:$missing; installing:$packages"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "services.sh: need root or sudo to install:$missing" >&2
    exit 1
fi

$SUDO apt-get update -q
# shellcheck disable=SC2086  # $packages is a word list on purpose
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $packages

for pair in $NEEDS; do
    cmd=${pair%%:*}
    command -v "$cmd" >/dev/null 2>&1 || { echo "services.sh: $cmd still missing" >&2; exit 1; }
done
echo "services.sh: installed"
