#!/usr/bin/env bash
# Demo start-up benchmark (issue 15, item 6): wall time of `./enjambre demo`, exactly as a user runs it
# (the README's first command; default size and leechers), until it prints "swarm up in S s": every
# tracker node up and clustered, every peer node up and heard by the dashboard. REPS runs, each
# stopped with SIGTERM once up (the demo then stops every JVM it started); the demo's own figure and
# the wall time from the command's start are both shown, with the median.
# usage: bench/demo.sh [REPS=3]
set -euo pipefail
REPS=${1:-3}
# shellcheck source=bench/demo-common.sh
source "$(dirname "$0")/demo-common.sh" demo-bench

own=(); wall=()
for i in $(seq 1 "$REPS"); do
  log="$WORK/demo.$i.log"
  : > "$log"
  start=$EPOCHREALTIME
  "$ROOT/enjambre" demo --web-port "$(free_port)" --dir "$WORK/run.$i" >"$log" 2>&1 &
  PID=$!
  up=""
  for _ in $(seq 1 3000); do # at most 300 s
    if log_has "$log" "^swarm up in"; then up=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    pause 0.1
  done
  end=$EPOCHREALTIME
  # SIGTERM, not SIGINT: a script's background jobs start with SIGINT ignored, and the JVM keeps it so.
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
  [ -n "$up" ] || { echo "the demo did not come up:" >&2; cat "$log" >&2; exit 1; }
  own+=("$(sed -n 's/^swarm up in \([0-9.]*\) s.*/\1/p' "$log")")
  wall+=("$(echo "$end - $start" | bc)")
  rm -rf "$WORK/run.$i"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "demo swarm up (its own figure): median $(median "${own[@]}") s (all: ${own[*]})"
echo "demo wall time from the command to 'swarm up': median $(median "${wall[@]}") s (all: ${wall[*]})"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
