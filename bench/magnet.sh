#!/usr/bin/env bash
# Magnet benchmark (issue 12, item 7): one seeder that has the .torrent, and a leecher that has only
# the magnet link (the info-hash, nothing else) and the seeder's address; the leecher fetches the
# info dictionary over ut_metadata (BEP 9), then the data. Enjambre and libtorrent leech the same
# magnet from the same seeder, interleaved, in one run. Measured from the leecher's start (process
# launch, so JVM start-up counts for Enjambre as it does for a user): time to metadata, time to
# verified completion. Appends a table with the ratios to bench/RESULTS.md.
#
# usage: bench/magnet.sh [SIZE_MIB=256] [REPS=3] [PIECE_LOG2=16]
# env: SEEDER=libtorrent|enjambre (default libtorrent), BENCH_DIR (default: a temp dir, removed at the end).
# PIECE_LOG2=16 (64 KiB pieces) makes the info dictionary of 256 MiB 80 KiB: five ut_metadata pieces.
set -euo pipefail
SIZE_MIB=${1:-256}
REPS=${2:-3}
PIECE_LOG2=${3:-16}
SEEDER=${SEEDER:-libtorrent}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LT=$ROOT/src/test/resources/interop/lt_peer.py
PY=/usr/bin/python3
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null # builds the jar and its AOT cache when stale
command -v mktorrent >/dev/null || { echo "mktorrent is needed (Debian package mktorrent)"; exit 1; }
$PY -c 'import libtorrent' || { echo "python3-libtorrent is needed"; exit 1; }

WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-magnet.XXXXXX)}
mkdir -p "$WORK/seed"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

FILE=$WORK/seed/magnet.bin
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1024 * 1024)) ]; then
  echo "generating $SIZE_MIB MiB..."
  head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
fi
rm -f "$WORK/magnet.torrent"
mktorrent -l "$PIECE_LOG2" -o "$WORK/magnet.torrent" "$FILE" > /dev/null
HASH=$("$ROOT/enjambre" info "$WORK/magnet.torrent" | awk '/info.?hash/ {print $NF; exit}')
[[ "$HASH" =~ ^[0-9a-f]{40}$ ]] || { echo "could not read the info-hash (got '$HASH')"; exit 1; }
MAGNET="magnet:?xt=urn:btih:$HASH"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
. "$ROOT/bench/ports.sh" # free_port

PORT=$(free_port)
if [ "$SEEDER" = enjambre ]; then
  "$ROOT/enjambre" seed "$WORK/magnet.torrent" --data "$WORK/seed" --port "$PORT" > "$WORK/seed.out" 2>&1 &
else
  $PY "$LT" seed "$WORK/magnet.torrent" "$WORK/seed" "$PORT" > "$WORK/seed.out" 2>&1 &
fi
SEED_PID=$!
PIDS+=("$SEED_PID")
for _ in $(seq 600); do grep -q '^listening on' "$WORK/seed.out" && break; sleep 0.1; done
grep -q '^listening on' "$WORK/seed.out" || { echo "seeder did not start"; cat "$WORK/seed.out"; exit 1; }

# Each stdout line with the seconds since the leecher was launched in front.
stamp() {
  local start=$1 line
  while IFS= read -r line; do
    printf '%.3f %s\n' "$(echo "${EPOCHREALTIME/,/.} - $start" | bc -l)" "$line"
  done
}

# leech KIND -> sets META_SECS and DONE_SECS; returns 1 with LEECH_ERR set when it failed
leech() {
  local kind=$1 out=$WORK/leech rc=0 start
  rm -rf "$out"; mkdir -p "$out"
  start=${EPOCHREALTIME/,/.}
  if [ "$kind" = enjambre ]; then
    { "$ROOT/enjambre" download "$MAGNET" --out "$out" --peer "127.0.0.1:$PORT" --timeout 600 2> "$WORK/leech.err" \
      || echo "exit status $?"; } | stamp "$start" > "$WORK/leech.out"
    META_SECS=$(awk '/ metadata received:/ {print $1; exit}' "$WORK/leech.out")
  else
    { $PY "$LT" download "$MAGNET" "$out" 0 --peer "127.0.0.1:$PORT" --timeout 600 2>&1 \
      || echo "exit status $?"; } | stamp "$start" > "$WORK/leech.out"
    META_SECS=$(awk '$2 == "metadata" {print $1; exit}' "$WORK/leech.out")
  fi
  DONE_SECS=$(awk -v s="$(tail -1 "$WORK/leech.out" | cut -d' ' -f1)" 'BEGIN {print s}')
  if grep -q ' exit status ' "$WORK/leech.out"; then rc=1; fi
  if [ "$rc" -ne 0 ] || [ -z "$META_SECS" ]; then
    LEECH_ERR="$(cat "$WORK/leech.err" "$WORK/leech.out" 2>/dev/null | grep -v '^$' | tail -1)"
    return 1
  fi
  cmp -s "$FILE" "$out/magnet.bin" || { LEECH_ERR="the copy differs from the original"; return 1; }
}

KINDS="enjambre libtorrent"
declare -A META=() DONE=() FAILED=()
for rep in $(seq "$REPS"); do
  for kind in $KINDS; do
    if leech "$kind"; then
      META[$kind]="${META[$kind]:-} $META_SECS"; DONE[$kind]="${DONE[$kind]:-} $DONE_SECS"
      printf 'rep %d %-10s metadata %6.2f s  complete %7.2f s\n' "$rep" "$kind" "$META_SECS" "$DONE_SECS"
    else
      FAILED[$kind]="${FAILED[$kind]:-}rep $rep: $LEECH_ERR. "
      printf 'rep %d %-10s FAILED: %s\n' "$rep" "$kind" "$LEECH_ERR"
    fi
  done
done

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
REF_META=$(echo "${META[libtorrent]:-}" | median)
REF_DONE=$(echo "${DONE[libtorrent]:-}" | median)
{
  echo
  echo "## magnet.sh $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start $LOAD_START."
  echo "Seeder: $SEEDER with the .torrent. Leechers: only \`magnet:?xt=urn:btih:<hash>\` and the seeder's address."
  echo "File: $SIZE_MIB MiB random, piece $((1 << PIECE_LOG2)) bytes, loopback, $REPS repetitions (median shown);"
  echo "times from the leecher's launch. Ratio = libtorrent time / Enjambre time (>= 1.0: at least as fast)."
  echo
  echo "| leecher | time to metadata (s) | time to complete (s) | ratio metadata | ratio complete | all (metadata/complete) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for kind in $KINDS; do
    if [ -z "${DONE[$kind]:-}" ]; then
      printf '| %s | failed | failed | - | - | %s|\n' "$kind" "${FAILED[$kind]:-}"
      continue
    fi
    m=$(echo "${META[$kind]}" | median); d=$(echo "${DONE[$kind]}" | median)
    rm_=-; rd=-
    [ -n "$REF_META" ] && rm_=$(printf '%.2f' "$(echo "$REF_META / $m" | bc -l)")
    [ -n "$REF_DONE" ] && rd=$(printf '%.2f' "$(echo "$REF_DONE / $d" | bc -l)")
    printf '| %s | %.2f | %.2f | %s | %s | %s / %s%s |\n' "$kind" "$m" "$d" "$rm_" "$rd" "${META[$kind]# }" \
      "${DONE[$kind]# }" "${FAILED[$kind]:+ (failed: ${FAILED[$kind]% })}"
  done
} | tee -a "${RESULTS:-$ROOT/bench/RESULTS.md}"
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "some downloads failed (see the table)" >&2
  exit 1
fi
