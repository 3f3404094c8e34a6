#!/usr/bin/env bash
# CPU per GiB of a one-shot transfer (issue 15): what a busy machine distorts least. One fresh
# seeder -> one fresh leecher over loopback, as bench/transfer.sh runs them; reports the CPU seconds
# (user+sys) the seeder spent while the leecher ran (its start-up and recheck excluded) and the
# leecher's whole CPU (start-up included: a user pays it), both per GiB moved, and wall time.
#
# usage: bench/transfer-cpu.sh [SIZE_MIB=1024] [REPS=2] [PIECE_LOG2=20]
# env: PAIRS (default "enjambre:enjambre enjambre:libtorrent libtorrent:enjambre"), BENCH_DIR (keep the
# file between runs), ENJAMBRE_JAVA_OPTS (e.g. -XX:StartFlightRecording=filename=/tmp/x.jfr for JFR),
# SEED_JAVA_OPTS / LEECH_JAVA_OPTS (options for one side only), SYSCALLS=1 (an Enjambre seeder's write,
# writev, sendfile and read syscalls per GiB, counted by strace -c -f while the leecher runs: strace slows
# the seeder, so read the counts, not that run's times).
set -euo pipefail
SIZE_MIB=${1:-1024}
REPS=${2:-2}
PIECE_LOG2=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LT=$ROOT/src/test/resources/interop/lt_peer.py
PY=/usr/bin/python3
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null
WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-cpu.XXXXXX)}
mkdir -p "$WORK/seed"
SEED_PID=
cleanup() {
  [ -n "$SEED_PID" ] && kill "$SEED_PID" 2>/dev/null || true
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
FILE=$WORK/seed/bench.bin
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1024 * 1024)) ]; then
  head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
fi
rm -f "$WORK/bench.torrent"
mktorrent -l "$PIECE_LOG2" -o "$WORK/bench.torrent" "$FILE" > /dev/null
. "$ROOT/bench/ports.sh" # free_port
# CPU seconds (user+sys) a process has used so far, from /proc
# (fields after the ")" that closes the name, which may hold spaces: utime is the 12th, stime the 13th)
cpu_of() { sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{print ($12 + $13) / hz}'; }
# the busiest threads of a process: CPU seconds (user+sys) since it started, and the thread's name
threads_of() {
  for t in /proc/"$1"/task/*; do
    sed 's/.*) //' "$t/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%7.2f (user %.2f sys %.2f) ", ($12 + $13) / hz, $12 / hz, $13 / hz}' && cat "$t/comm"
  done | sort -rn | head -8
}
GIB=$(echo "$SIZE_MIB / 1024" | bc -l)

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg); $SIZE_MIB MiB, piece $((1 << PIECE_LOG2)) B"
printf '%-24s %8s %14s %14s\n' "seeder -> leecher" "wall s" "seeder cpu/GiB" "leecher cpu/GiB"
for rep in $(seq "$REPS"); do
  for pair in ${PAIRS:-enjambre:enjambre enjambre:libtorrent libtorrent:enjambre}; do
    s=${pair%%:*}; l=${pair##*:}; port=$(free_port); log=$WORK/seed.out
    : > "$log"
    if [ "$s" = enjambre ]; then
      ENJAMBRE_JAVA_OPTS="${ENJAMBRE_JAVA_OPTS:-} ${SEED_JAVA_OPTS:-}" "$ROOT/enjambre" seed "$WORK/bench.torrent" \
        --data "$WORK/seed" --port "$port" > "$log" 2> "$WORK/seed.err" &
    else
      $PY "$LT" seed "$WORK/bench.torrent" "$WORK/seed" "$port" > "$log" 2>&1 &
    fi
    SEED_PID=$!
    for _ in $(seq 600); do grep -q '^listening on' "$log" && break; sleep 0.1; done
    grep -q '^listening on' "$log" || { echo "seeder $s did not start"; cat "$log" "$WORK/seed.err"; exit 1; }
    before=$(cpu_of "$SEED_PID")
    STRACE_PID=
    if [ -n "${SYSCALLS:-}" ] && [ "$s" = enjambre ]; then
      strace -c -f -e trace=write,writev,sendfile,sendmsg,read,pread64,preadv -o "$WORK/strace.out" -p "$SEED_PID" 2> /dev/null &
      STRACE_PID=$!
      sleep 1 # strace attaches to every thread before the leecher starts
    fi
    rm -rf "$WORK/leech"; mkdir -p "$WORK/leech"
    if [ "$l" = enjambre ]; then
      ENJAMBRE_JAVA_OPTS="${ENJAMBRE_JAVA_OPTS:-} ${LEECH_JAVA_OPTS:-}" /usr/bin/time -f "%e %U %S" -o "$WORK/time" \
        "$ROOT/enjambre" download "$WORK/bench.torrent" --out "$WORK/leech" --peer "127.0.0.1:$port" --timeout 600 \
        > "$WORK/leech.out" 2>&1 &
      leech_pid=$!
      if [ -n "${THREADS:-}" ]; then # the leecher's threads, sampled until it exits (the last sample is kept)
        for _ in $(seq 6000); do
          java_pid=$(pgrep -P "$leech_pid" | head -1) || true
          [ -n "$java_pid" ] || { kill -0 "$leech_pid" 2>/dev/null && { sleep 0.1; continue; } || break; }
          snap=$(threads_of "$java_pid" 2>/dev/null) || break
          [ -n "$snap" ] && echo "$snap" > "$WORK/leech.threads"
          sleep 0.2
        done
      fi
      wait "$leech_pid"
    else
      /usr/bin/time -f "%e %U %S" -o "$WORK/time" $PY "$LT" download "$WORK/bench.torrent" "$WORK/leech" 0 \
        --peer "127.0.0.1:$port" --timeout 600 > "$WORK/leech.out" 2>&1
    fi
    after=$(cpu_of "$SEED_PID")
    if [ -n "$STRACE_PID" ]; then
      kill -INT "$STRACE_PID"; wait "$STRACE_PID" 2>/dev/null || true
      awk -v gib="$GIB" '$NF ~ /^(write|writev|sendfile|sendmsg|read|pread64|preadv)$/ {
        printf "    seeder syscalls per GiB: %-9s %9d\n", $NF, $4 / gib }' "$WORK/strace.out"
    fi
    if [ -n "${THREADS:-}" ]; then
      threads_of "$SEED_PID" | sed 's/^/    seeder thread /'
      [ "$l" = enjambre ] && sed 's/^/    leecher thread /' "$WORK/leech.threads"
    fi
    kill "$SEED_PID"; wait "$SEED_PID" 2>/dev/null || true; SEED_PID=
    cmp -s "$FILE" "$WORK/leech/bench.bin" || { echo "$pair: the copy differs"; exit 1; }
    read -r wall user sys < <(tail -1 "$WORK/time")
    printf '%-24s %8.2f %14.2f %14.2f\n' "$s->$l" "$wall" "$(echo "($after - $before) / $GIB" | bc -l)" \
      "$(echo "($user + $sys) / $GIB" | bc -l)"
  done
done
