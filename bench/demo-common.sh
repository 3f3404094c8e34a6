# Shared by bench/demo.sh and bench/demo-timeline.sh (sourced, not run): the jar and its AOT caches
# built outside the timing, a scratch folder WORK named after $1, the demo's PID (set by the caller)
# stopped and WORK removed on exit, and free_port.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENJAMBRE_AOT=wait "$ROOT/enjambre" demo --help >/dev/null
ENJAMBRE_AOT=wait "$ROOT/enjambre" node --help >/dev/null
WORK=$(mktemp -d "/tmp/enjambre-$1.XXXXXX")
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
. "$ROOT/bench/ports.sh" # free_port
. "$ROOT/bench/await.sh" # log_has, pause: polls without a process each
