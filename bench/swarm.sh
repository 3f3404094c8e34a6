#!/usr/bin/env bash
# Swarm benchmark (issue 5, item 8): 1 seed + N leechers on loopback, every peer's upload limited,
# all introduced by a tracker. Measures the time from the seed being ready (the leechers are
# already up and announced) until every leecher has a verified copy, and compares it with the
# minimum time of P2P distribution
#   T_min = max(F/u_seed, F/d_min, N*F/(u_seed + sum u_leechers))     (d_min: unlimited here)
# for three swarms in the same run: all Enjambre, all libtorrent (python3-libtorrent), and mixed
# (odd leechers libtorrent, even ones Enjambre; Enjambre seed). Every leecher keeps seeding until
# the run ends. Appends a table to bench/RESULTS.md.
#
# usage: bench/swarm.sh [SIZE_MIB=64] [RATE_BYTES_PER_S=4000000] [NS="8 16"] [KINDS="enjambre libtorrent mixed"]
# The tracker is `enjambre tracker` when the jar has it, else Debian's opentracker (whitelisted).
# Enjambre processes run through ./enjambre, with the JVM options a user gets from it, plus
# ENJAMBRE_JAVA_OPTS (default: a 192 MiB heap and the serial collector, for 17 JVMs on one machine).
# SWARM_TIMELINE=1 also prints, after each run, where the Enjambre peers' upload went second by second
# (bench/swarm_timeline.py): their status lines every 0.5 s, stamped as read. A diagnosis, not the
# benchmark: the extra lines and the stamping cost a little CPU in the window.
set -euo pipefail
SIZE_MIB=${1:-64}
RATE=${2:-4000000}
NS=${3:-"8 16"}
KINDS=${4:-"enjambre libtorrent mixed"}
PIECE_LOG2=18
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/enjambre.jar
LT=$ROOT/bench/lt_swarm_peer.py
PY=/usr/bin/python3
JAVA_OPTS=${ENJAMBRE_JAVA_OPTS:-"-Xmx192m -XX:+UseSerialGC"}
TIMELINE=${SWARM_TIMELINE:-0}
[ "$TIMELINE" = 1 ] && JAVA_OPTS+=" -Denjambre.statusMillis=500"
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null # builds the jar and the seed/download AOT cache when stale
command -v mktorrent >/dev/null || { echo "mktorrent is needed (Debian package mktorrent)"; exit 1; }
$PY -c 'import libtorrent' || { echo "python3-libtorrent is needed"; exit 1; }

WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-swarm.XXXXXX)}
chmod 755 "$WORK"
PIDS=()
stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() { stop_all; [ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"; }
trap cleanup EXIT
. "$ROOT/bench/ports.sh" # free_port
. "$ROOT/bench/await.sh" # await_line, without a process per poll inside the timed window
# cpu_ticks VAR PID... -> VAR = the processes' user+system CPU in clock ticks so far (0 for one that is
# gone). The CPU a swarm spends inside the timed window says more than its wall time on a busy
# machine. Builtins only (it runs as the window opens).
cpu_ticks() {
  local -n total=$1; shift
  local p f fields
  total=0
  for p in "$@"; do
    { IFS= read -r f < "/proc/$p/stat"; } 2>/dev/null || continue
    read -ra fields <<< "${f##*) }"; total=$((total + fields[11] + fields[12]))
  done
}

mkdir -p "$WORK/seed"
FILE=$WORK/seed/swarm.bin
F=$((SIZE_MIB * 1024 * 1024))
[ -f "$FILE" ] && [ "$(stat -c %s "$FILE")" -eq "$F" ] || head -c "$F" /dev/urandom > "$FILE"
TRACKER_PORT=$(free_port)
rm -f "$WORK/swarm.torrent"
mktorrent -l "$PIECE_LOG2" -a "http://127.0.0.1:$TRACKER_PORT/announce" -o "$WORK/swarm.torrent" "$FILE" > /dev/null
. "$ROOT/scripts/find-java.sh"
require_java
INFO_HASH=$("$JAVA" -jar "$JAR" info "$WORK/swarm.torrent" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["infoHash"])')

if "$JAVA" -jar "$JAR" --help 2>/dev/null | grep -qE "^ +tracker "; then TRACKER=enjambre; else TRACKER=opentracker; fi
start_tracker() {
  if [ "$TRACKER" = enjambre ]; then
    ENJAMBRE_JAVA_OPTS="$JAVA_OPTS" "$ROOT/enjambre" tracker --host 127.0.0.1 --port "$TRACKER_PORT" --interval 60 > "$WORK/tracker.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$TRACKER_PORT) 2>/dev/null && return 0; sleep 0.1; done
  else
    # Debian's opentracker chroots into -d and serves only whitelisted info-hashes.
    mkdir -p "$WORK/ot"; chmod 755 "$WORK/ot"; echo "$INFO_HASH" > "$WORK/ot/whitelist"; chmod 644 "$WORK/ot/whitelist"
    opentracker -i 127.0.0.1 -p "$TRACKER_PORT" -P "$TRACKER_PORT" -d "$WORK/ot" -w whitelist > "$WORK/tracker.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$TRACKER_PORT) 2>/dev/null && return 0; sleep 0.1; done
  fi
  echo "tracker did not start"; cat "$WORK/tracker.log"; exit 1
}

# stamp: copies its input adding " @EPOCH" to each line (when it was read), for SWARM_TIMELINE=1.
stamp() {
  local line
  while IFS= read -r line; do printf '%s @%s\n' "$line" "$EPOCHREALTIME"; done
}

# start_peer KIND ROLE INDEX -> log file in LOG
start_peer() {
  local kind=$1 role=$2 i=$3 port; port=$(free_port)
  LOG=$WORK/$role$i.$kind.log
  # The peer's output: the log itself, or a stamping copy into it (the peer is started with fd OUT).
  local out
  if [ "$TIMELINE" = 1 ]; then exec {out}> >(stamp > "$LOG"); else exec {out}> "$LOG"; fi
  if [ "$role" = seed ]; then
    if [ "$kind" = enjambre ]; then
      ENJAMBRE_JAVA_OPTS="$JAVA_OPTS" "$ROOT/enjambre" seed "$WORK/swarm.torrent" --allow-private-trackers --data "$WORK/seed" --port "$port" --upload-rate "$RATE" >&"$out" 2>&1 &
    else
      $PY "$LT" seed "$WORK/swarm.torrent" "$WORK/seed" "$port" "$RATE" >&"$out" 2>&1 &
    fi
  else
    rm -rf "$WORK/leech$i"; mkdir -p "$WORK/leech$i"
    if [ "$kind" = enjambre ]; then
      ENJAMBRE_JAVA_OPTS="$JAVA_OPTS" "$ROOT/enjambre" download "$WORK/swarm.torrent" --allow-private-trackers --out "$WORK/leech$i" --port "$port" --upload-rate "$RATE" --seed >&"$out" 2>&1 &
    else
      $PY "$LT" download "$WORK/swarm.torrent" "$WORK/leech$i" "$port" "$RATE" >&"$out" 2>&1 &
    fi
  fi
  PIDS+=($!)
  exec {out}>&-
}

leecher_kind() { # SWARM INDEX
  case $1 in enjambre) echo enjambre ;; libtorrent) echo libtorrent ;; mixed) [ $(($2 % 2)) -eq 1 ] && echo libtorrent || echo enjambre ;; esac
}

# run SWARM N -> sets SECONDS_TAKEN
run() {
  local swarm=$1 n=$2 seedkind=enjambre logs=() i
  [ "$swarm" = libtorrent ] && seedkind=libtorrent
  rm -f "$WORK"/*.log
  start_tracker
  for i in $(seq 1 "$n"); do start_peer "$(leecher_kind "$swarm" "$i")" leech "$i"; logs+=("$LOG"); done
  for l in "${logs[@]}"; do await_line "$l" '^listening on' 120; done
  sleep 1 # let every leecher's first announce land
  start_peer "$seedkind" seed 0
  await_line "$LOG" '^listening on' 120
  local t0 c0 c1 s0 s1 seed_pid=${PIDS[-1]}; t0=$EPOCHREALTIME; RUN_T0=$t0; cpu_ticks c0 "${PIDS[@]}"; cpu_ticks s0 "$seed_pid"
  for l in "${logs[@]}"; do await_line "$l" '^complete' "$RUN_TIMEOUT"; done
  SECONDS_TAKEN=$(echo "$EPOCHREALTIME - $t0" | bc -l)
  cpu_ticks c1 "${PIDS[@]}"; cpu_ticks s1 "$seed_pid"
  local hz; hz=$(getconf CLK_TCK)
  WINDOW_CPU=$(echo "($c1 - $c0) / $hz" | bc -l)
  SEED_CPU=$(echo "($s1 - $s0) / $hz" | bc -l)
  for i in $(seq 1 "$n"); do cmp -s "$FILE" "$WORK/leech$i/swarm.bin" || { echo "leecher $i: copy differs"; exit 1; }; done
  stop_all
}

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=""
for n in $NS; do
  TMIN=$(echo "a=$F/$RATE; b=$n*$F/($RATE*($n+1)); if (a>b) a else b" | bc -l)
  for swarm in $KINDS; do
    echo "swarm=$swarm N=$n: running..."
    run "$swarm" "$n"
    RATIO=$(echo "$SECONDS_TAKEN / $TMIN" | bc -l)
    printf '  %s N=%d: %.1f s, T_min %.1f s, ratio %.2f (CPU in the window: %.1f s, the seed %.1f s)\n' "$swarm" "$n" "$SECONDS_TAKEN" "$TMIN" "$RATIO" "$WINDOW_CPU" "$SEED_CPU"
    [ "$TIMELINE" = 1 ] && $PY "$ROOT/bench/swarm_timeline.py" "$WORK" "$RUN_T0" "$RATE"
    ROWS+=$(printf '| %s | %d | %.1f | %.1f | %.2f | %.1f | %.1f |' "$swarm" "$n" "$SECONDS_TAKEN" "$TMIN" "$RATIO" "$WINDOW_CPU" "$SEED_CPU")$'\n'
  done
done

{
  echo
  echo "## Swarm (bench/swarm.sh) — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $CPU; load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg). File ${SIZE_MIB} MiB, pieces $((1 << PIECE_LOG2)) B, every peer's upload"
  echo "limited to $RATE B/s, downloads unlimited, tracker: $TRACKER, loopback. Time from the seed being ready"
  echo "(leechers already announced) until every leecher has verified the whole file."
  [ "$TIMELINE" = 1 ] && echo "SWARM_TIMELINE=1: Enjambre peers printed a status line every 0.5 s, stamped as read (a diagnosis run)."
  echo "T_min = max(F/u_seed, N·F/(u_seed + Σu_leechers)). Mixed: odd leechers libtorrent, Enjambre seed."
  echo
  echo "| swarm | N | seconds | T_min | measured/T_min | CPU s in the window (every process of the swarm, tracker included) | the seed's |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s' "$ROWS"
} >> "$ROOT/bench/RESULTS.md"
echo "appended to bench/RESULTS.md"
