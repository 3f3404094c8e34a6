#!/usr/bin/env bash
# The Mainline DHT on loopback (issue 13, item 6), Enjambre and libtorrent in one DHT, one run:
# 1. Lookups: NODES Enjambre DHT nodes in one JVM (each at its own 127.0.x address) and LT_NODES
#    libtorrent sessions in one Python process (bench/lt_dht_swarm.py, at 127.1.0.x) join one DHT
#    (libtorrent first, through the first Enjambre node, so both sides learn each other while they
#    join); Enjambre nodes announce 10 info-hashes; then LOOKUPS get_peers lookups from a random
#    Enjambre node and as many from the libtorrent sessions in turn, interleaved: how many found the
#    peer, median and p95 time, median and p95 queries (round trips).
# 2. Memory: the heap a DHT peer store holding 100,000 peers takes (1,000 info-hashes x 100).
# 3. Magnet over the DHT alone: a seeder (SEEDER=libtorrent, or enjambre) of a SIZE_MIB file whose
#    .torrent names no tracker, in a DHT of MAGNET_LT_NODES libtorrent sessions; then, REPS times,
#    interleaved, `enjambre download 'magnet:?xt=urn:btih:HASH'` with only --dht-bootstrap (no tracker,
#    no --peer) and a libtorrent session given the same magnet and the same DHT node: seconds from
#    the leecher's launch (JVM start-up counts for Enjambre) to a verified copy.
# Appends the figures to bench/RESULTS.md (RESULTS=FILE to write elsewhere).
#
# usage: bench/dht.sh [NODES=200] [LOOKUPS=100] [LT_NODES=40]
# env: SIZE_MIB (32), REPS (3), SEEDER (libtorrent), MAGNET_LT_NODES (20), BENCH_DIR (default: a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
nodes=${1:-200}
lookups=${2:-100}
lt_nodes=${3:-40}
SIZE_MIB=${SIZE_MIB:-32}
REPS=${REPS:-3}
SEEDER=${SEEDER:-libtorrent}
MAGNET_LT_NODES=${MAGNET_LT_NODES:-20}
PY=/usr/bin/python3
LT=$ROOT/src/test/resources/interop/lt_peer.py
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
$PY -c 'import libtorrent' || { echo "python3-libtorrent is needed (Debian package python3-libtorrent)"; exit 1; }
command -v mktorrent >/dev/null || { echo "mktorrent is needed (Debian package mktorrent)"; exit 1; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 1 and 2: lookups and memory (the JVM side is DhtScaleBench) ---
mvn -q -o -Dtest=DhtScaleBench -Dsurefire.failIfNoSpecifiedTests=false -Denjambre.bench.dht=true \
    -Denjambre.bench.dht.nodes="${nodes}" -Denjambre.bench.dht.lookups="${lookups}" \
    -Denjambre.bench.dht.libtorrent="${lt_nodes}" test
scale=$(cat target/dht-scale.txt)
echo "$scale"

# --- 3: magnet over the DHT alone ---
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null # builds the jar and its AOT cache when stale
WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-dht.XXXXXX)}
mkdir -p "$WORK/seed"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
FILE=$WORK/seed/dht.bin
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1024 * 1024)) ]; then
  head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
fi
rm -f "$WORK/dht.torrent"
mktorrent -l 16 -o "$WORK/dht.torrent" "$FILE" > /dev/null # no -a: no tracker at all
HASH=$("$ROOT/enjambre" info "$WORK/dht.torrent" | awk '/info.?hash/ {print $NF; exit}')
[[ "$HASH" =~ ^[0-9a-f]{40}$ ]] || { echo "could not read the info-hash (got '$HASH')"; exit 1; }
MAGNET="magnet:?xt=urn:btih:$HASH"
. "$ROOT/bench/ports.sh" # free_port

# The DHT: libtorrent sessions at 127.2.0.x, joined through their first; with no commands on stdin
# they stay up until killed (at most an hour).
$PY "$ROOT/bench/lt_dht_swarm.py" "$MAGNET_LT_NODES" 127.2.0.1 --join-seconds 30 --max-seconds 3600 \
  < /dev/null > "$WORK/dht.out" 2> "$WORK/dht.err" &
PIDS+=("$!")
for _ in $(seq 600); do grep -q '^ready' "$WORK/dht.out" && break; sleep 0.1; done
grep -q '^ready' "$WORK/dht.out" || { echo "libtorrent DHT nodes did not start"; cat "$WORK/dht.err"; exit 1; }
BOOT=$(awk '/^node / {print $2; exit}' "$WORK/dht.out")

PORT=$(free_port)
if [ "$SEEDER" = enjambre ]; then
  "$ROOT/enjambre" seed "$WORK/dht.torrent" --data "$WORK/seed" --port "$PORT" --dht-bootstrap "$BOOT" > "$WORK/seed.out" 2>&1 &
else
  $PY "$LT" seed "$WORK/dht.torrent" "$WORK/seed" "$PORT" --dht-node "$BOOT" > "$WORK/seed.out" 2>&1 &
fi
PIDS+=("$!")
for _ in $(seq 600); do grep -q '^listening on' "$WORK/seed.out" && break; sleep 0.1; done
grep -q '^listening on' "$WORK/seed.out" || { echo "seeder did not start"; cat "$WORK/seed.out"; exit 1; }
sleep 10 # the seeder's first announce reaches the nodes nearest the hash

median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A DONE=() FAILED=()
for rep in $(seq "$REPS"); do
  for kind in enjambre libtorrent; do
    out=$WORK/leech-$kind; rm -rf "$out"; mkdir -p "$out"
    start=${EPOCHREALTIME/,/.}
    rc=0
    if [ "$kind" = enjambre ]; then
      "$ROOT/enjambre" download "$MAGNET" --out "$out" --dht-bootstrap "$BOOT" --timeout 300 > "$WORK/leech-$kind-$rep.out" 2>&1 || rc=$?
    else
      $PY "$LT" download "$MAGNET" "$out" 0 --dht-node "$BOOT" --timeout 300 > "$WORK/leech-$kind-$rep.out" 2>&1 || rc=$?
      grep -q '^complete' "$WORK/leech-$kind-$rep.out" || rc=1
    fi
    secs=$(echo "${EPOCHREALTIME/,/.} - $start" | bc -l)
    if [ "$rc" -eq 0 ] && cmp -s "$FILE" "$out/dht.bin"; then
      DONE[$kind]="${DONE[$kind]:-} $(printf '%.2f' "$secs")"
      printf 'rep %d %-10s complete %7.2f s\n' "$rep" "$kind" "$secs"
    else
      FAILED[$kind]="${FAILED[$kind]:-}rep $rep: $(tail -1 "$WORK/leech-$kind-$rep.out"). "
      printf 'rep %d %-10s FAILED: %s\n' "$rep" "$kind" "$(tail -1 "$WORK/leech-$kind-$rep.out")"
    fi
  done
done

{
  echo
  echo "## dht.sh: Enjambre and libtorrent in one loopback DHT ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start $LOAD_START."
  echo "Enjambre nodes in one JVM (alpha 3, k 8), libtorrent $($PY -c 'import libtorrent; print(libtorrent.__version__)') sessions in one Python process."
  echo
  echo "Lookups and memory: $scale"
  echo
  echo "Magnet over the DHT alone: $SIZE_MIB MiB, 64 KiB pieces, .torrent without tracker; seeder $SEEDER; DHT of"
  echo "$MAGNET_LT_NODES libtorrent sessions plus the seeder and the leecher; each leecher given the magnet and one DHT node;"
  echo "seconds from the leecher's launch to a verified copy, $REPS repetition(s) interleaved (median; all)."
  echo
  echo "| leecher | magnet to complete (s) | all | ratio (libtorrent / Enjambre) |"
  echo "| --- | ---: | --- | ---: |"
  ref=$(echo "${DONE[libtorrent]:-}" | median)
  for kind in enjambre libtorrent; do
    if [ -z "${DONE[$kind]:-}" ]; then
      printf '| %s | failed | %s | - |\n' "$kind" "${FAILED[$kind]:-}"
      continue
    fi
    m=$(echo "${DONE[$kind]}" | median)
    ratio=-
    [ -n "$ref" ] && ratio=$(printf '%.2f' "$(echo "$ref / $m" | bc -l)")
    printf '| %s | %.2f | %s%s | %s |\n' "$kind" "$m" "${DONE[$kind]# }" "${FAILED[$kind]:+ (failed: ${FAILED[$kind]% })}" "$ratio"
  done
} | tee -a "$RESULTS"
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "some downloads failed (see the table)" >&2
  exit 1
fi
