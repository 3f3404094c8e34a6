#!/usr/bin/env bash
# Node start-up benchmark: wall time from `./enjambre node` being started until it prints its
# "dashboard on" line (cluster member up, web and peer ports listening), REPS times, median shown.
# Runs through the launcher, as a user runs it; the jar and the node AOT cache are built before
# timing (ENJAMBRE_AOT=wait: the training a user's first run starts in the background).
# With --compare, runs without the AOT cache (ENJAMBRE_AOT=off) interleaved with runs with it, and
# shows both medians: on a shared machine the load moves, interleaving spreads it over both.
# usage: bench/startup.sh [REPS=5] [--compare]
set -euo pipefail
REPS=${1:-5}
COMPARE=""
[ "${2:-}" = "--compare" ] && COMPARE=1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENJAMBRE_AOT=wait "$ROOT/enjambre" node --help >/dev/null
WORK=$(mktemp -d /tmp/enjambre-startup.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
. "$ROOT/bench/await.sh" # log_has, pause: polls without a process each

# One start: prints the seconds until "dashboard on".
start_once() {
  local aot="$1" log="$WORK/node.$RANDOM.log" start end ok=""
  rm -rf "$WORK/data" "$WORK/home" "$WORK/state"; mkdir -p "$WORK/home"
  start=$EPOCHREALTIME
  HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" ENJAMBRE_STATE="$WORK/state" ENJAMBRE_AOT="$aot" "$ROOT/enjambre" node --host 127.0.0.1 --web-port 0 --peer-port 0 --data "$WORK/data" --name bench >"$log" 2>&1 &
  PID=$!
  for _ in $(seq 1 1500); do
    if log_has "$log" "dashboard on"; then ok=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    pause 0.02
  done
  end=$EPOCHREALTIME
  kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
  [ -n "$ok" ] || { echo "node did not start:" >&2; cat "$log" >&2; exit 1; }
  echo "$end - $start" | bc
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

with=(); without=()
for _ in $(seq 1 "$REPS"); do
  [ -n "$COMPARE" ] && without+=("$(start_once off)")
  with+=("$(start_once auto)")
done
echo "node start-up: median $(median "${with[@]}") s over $REPS runs (all: ${with[*]})"
[ -n "$COMPARE" ] && echo "without the AOT cache: median $(median "${without[@]}") s (all: ${without[*]})"
. "$ROOT/scripts/find-java.sh"; require_java
echo "java: $("$JAVA" -version 2>&1 | sed -n 1p); load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
