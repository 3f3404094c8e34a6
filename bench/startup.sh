#!/usr/bin/env bash
# Node start-up benchmark: wall time from `./enjambre node` being started until it prints its
# "dashboard on" line (cluster member up, web and peer ports listening), REPS times, median shown.
# Runs through the launcher, as a user runs it; the jar and the node AOT cache are built before
# timing (ENJAMBRE_AOT=wait: the training a user's first run starts in the background).
# usage: bench/startup.sh [REPS=5]
set -euo pipefail
REPS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENJAMBRE_AOT=wait "$ROOT/enjambre" node --help >/dev/null
WORK=$(mktemp -d /tmp/enjambre-startup.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
times=()
for i in $(seq 1 "$REPS"); do
  rm -rf "$WORK/data" "$WORK/home"; mkdir -p "$WORK/home"
  log="$WORK/node.log"
  start=$(date +%s.%N)
  HOME="$WORK/home" "$ROOT/enjambre" node --web-port 0 --data "$WORK/data" --name bench >"$log" 2>&1 &
  PID=$!
  ok=""
  for _ in $(seq 1 600); do
    if grep -q "dashboard on" "$log"; then ok=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.02
  done
  end=$(date +%s.%N)
  kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
  [ -n "$ok" ] || { echo "node did not start:"; cat "$log"; exit 1; }
  times+=("$(echo "$end - $start" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (REPS + 1) / 2 ))p")
echo "node start-up: median ${median} s over $REPS runs (all: $(echo ${times[*]}))"
. "$ROOT/scripts/find-java.sh"; require_java
echo "java: $("$JAVA" -version 2>&1 | sed -n 1p)"
