#!/usr/bin/env bash
# Transfer benchmark (issue 3, item 7): one seeder -> one leecher over loopback, same generated
# file, same piece size, in one run, several repetitions, for the four pairs
#   enjambre->enjambre, libtorrent->libtorrent, enjambre->libtorrent, libtorrent->enjambre.
# Wall time from leecher start to verified completion (the leecher exits), MB/s, peak RSS of the
# leecher. Appends a table with the ratios to libtorrent->libtorrent to bench/RESULTS.md.
#
# usage: bench/transfer.sh [SIZE_MIB=1024] [REPS=3] [PIECE_LOG2=20]
# env: BENCH_DIR (default: a temp dir, removed at the end), ENJAMBRE_JAVA_OPTS (leecher/seeder JVM options,
# added to those ./enjambre gives: Enjambre runs through the launcher, as a user runs it).
# A pair whose download fails (exit status, timeout, wrong bytes) is reported as failed with the
# reason; the other pairs still run.
set -euo pipefail
SIZE_MIB=${1:-1024}
REPS=${2:-3}
PIECE_LOG2=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LT=$ROOT/src/test/resources/interop/lt_peer.py
PY=/usr/bin/python3
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null # builds the jar and its AOT cache when stale
command -v mktorrent >/dev/null || { echo "mktorrent is needed (Debian package mktorrent)"; exit 1; }
$PY -c 'import libtorrent' || { echo "python3-libtorrent is needed"; exit 1; }

WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-bench.XXXXXX)}
mkdir -p "$WORK/seed"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

FILE=$WORK/seed/bench.bin
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1024 * 1024)) ]; then
  echo "generating $SIZE_MIB MiB..."
  head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
fi
rm -f "$WORK/bench.torrent"
mktorrent -l "$PIECE_LOG2" -o "$WORK/bench.torrent" "$FILE" > /dev/null
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
. "$ROOT/bench/ports.sh" # free_port

# start_seed KIND PORT -> PID in SEED_PID
start_seed() {
  local kind=$1 port=$2 log=$WORK/seed.$1.out
  : > "$log"
  if [ "$kind" = enjambre ]; then
    "$ROOT/enjambre" seed "$WORK/bench.torrent" --data "$WORK/seed" --port "$port" > "$log" 2>"$WORK/seed.err" &
  else
    $PY "$LT" seed "$WORK/bench.torrent" "$WORK/seed" "$port" > "$log" 2>&1 &
  fi
  SEED_PID=$!
  PIDS+=("$SEED_PID")
  for _ in $(seq 600); do grep -q '^listening on' "$log" && return 0; sleep 0.1; done
  echo "seeder $kind did not start"; cat "$log"; exit 1
}

# leech KIND PORT -> sets LEECH_SECS and LEECH_RSS (KiB); returns 1 with LEECH_ERR set when it failed
leech() {
  local kind=$1 port=$2 out=$WORK/leech rc=0
  rm -rf "$out"; mkdir -p "$out"
  if [ "$kind" = enjambre ]; then
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$ROOT/enjambre" download "$WORK/bench.torrent" \
      --out "$out" --peer "127.0.0.1:$port" --timeout 600 > "$WORK/leech.out" 2> "$WORK/leech.err" || rc=$?
  else
    /usr/bin/time -f "%e %M" -o "$WORK/time" $PY "$LT" download "$WORK/bench.torrent" "$out" 0 \
      --peer "127.0.0.1:$port" --timeout 600 > "$WORK/leech.out" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    LEECH_ERR="exit status $rc: $(cat "$WORK/leech.err" "$WORK/leech.out" 2>/dev/null | grep -v '^$' | tail -1)"
    return 1
  fi
  cmp -s "$FILE" "$out/bench.bin" || { LEECH_ERR="the copy differs from the original"; return 1; }
  read -r LEECH_SECS LEECH_RSS < <(tail -1 "$WORK/time")
}

PAIRS=${PAIRS:-"enjambre:enjambre libtorrent:libtorrent enjambre:libtorrent libtorrent:enjambre"}
declare -A TIMES=() RSS=() FAILED=()
for rep in $(seq "$REPS"); do
  for pair in $PAIRS; do
    s=${pair%%:*}; l=${pair##*:}
    port=$(free_port)
    start_seed "$s" "$port"
    if leech "$l" "$port"; then
      TIMES[$pair]="${TIMES[$pair]:-} $LEECH_SECS"; RSS[$pair]="${RSS[$pair]:-} $LEECH_RSS"
      printf 'rep %d %-22s %7.2f s %8.1f MB/s  leecher peak RSS %d MiB\n' "$rep" "$s->$l" "$LEECH_SECS" \
        "$(echo "$SIZE_MIB * 1.048576 / $LEECH_SECS" | bc -l)" $((LEECH_RSS / 1024))
    else
      FAILED[$pair]="${FAILED[$pair]:-}rep $rep: $LEECH_ERR. "
      printf 'rep %d %-22s FAILED: %s\n' "$rep" "$s->$l" "$LEECH_ERR"
    fi
    kill "$SEED_PID" 2>/dev/null || true; wait "$SEED_PID" 2>/dev/null || true
  done
done

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
REF=$(echo "${TIMES[libtorrent:libtorrent]:-}" | median)
{
  echo
  echo "## transfer.sh $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start $LOAD_START."
  echo "File: $SIZE_MIB MiB random, piece $((1 << PIECE_LOG2)) bytes, loopback, $REPS repetitions (median shown)."
  echo "Throughput ratio = libtorrent->libtorrent time / pair time (>= 1.0: at least as fast as libtorrent)."
  echo
  echo "| seeder -> leecher | median time (s) | MB/s | leecher peak RSS (MiB) | ratio to lt->lt | all times (s) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for pair in $PAIRS; do
    if [ -z "${TIMES[$pair]:-}" ]; then
      printf '| %s | failed | - | - | - | %s|\n' "${pair/:/ -> }" "${FAILED[$pair]:-}"
      continue
    fi
    t=$(echo "${TIMES[$pair]}" | median); r=$(echo "${RSS[$pair]}" | median)
    ratio=-; [ -n "$REF" ] && ratio=$(printf '%.2f' "$(echo "$REF / $t" | bc -l)")
    printf '| %s | %.2f | %.1f | %d | %s | %s%s |\n' "${pair/:/ -> }" "$t" "$(echo "$SIZE_MIB * 1.048576 / $t" | bc -l)" \
      "$(echo "$r / 1024" | bc)" "$ratio" "${TIMES[$pair]# }" "${FAILED[$pair]:+ (failed: ${FAILED[$pair]% })}"
  done
} | tee -a "$ROOT/bench/RESULTS.md"
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "some downloads failed (see the table)" >&2
  exit 1
fi
