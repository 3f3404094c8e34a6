#!/usr/bin/env bash
# Transfer benchmark (issue 3, item 7): one seeder -> one leecher over loopback, same generated
# file, same piece size, in one run, several repetitions, for the four pairs
#   enjambre->enjambre, libtorrent->libtorrent, enjambre->libtorrent, libtorrent->enjambre.
# Wall time from leecher start to verified completion (the leecher exits), MB/s, peak RSS of the
# leecher. Appends a table with the ratios to libtorrent->libtorrent to bench/RESULTS.md.
#
# usage: bench/transfer.sh [SIZE_MIB=1024] [REPS=3] [PIECE_LOG2=20]
# env: BENCH_DIR (default: a temp dir, removed at the end), ENJAMBRE_JAVA_OPTS (leecher/seeder JVM options)
set -euo pipefail
SIZE_MIB=${1:-1024}
REPS=${2:-3}
PIECE_LOG2=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/target/enjambre.jar
LT=$ROOT/src/test/resources/interop/lt_peer.py
PY=/usr/bin/python3
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -o package -DskipTests)
command -v mktorrent >/dev/null || { echo "mktorrent is needed (Debian package mktorrent)"; exit 1; }
$PY -c 'import libtorrent' || { echo "python3-libtorrent is needed"; exit 1; }

WORK=${BENCH_DIR:-$(mktemp -d /tmp/enjambre-bench.XXXXXX)}
mkdir -p "$WORK/seed"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT

FILE=$WORK/seed/bench.bin
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB * 1024 * 1024)) ]; then
  echo "generating $SIZE_MIB MiB..."
  head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$FILE"
fi
rm -f "$WORK/bench.torrent"
mktorrent -l "$PIECE_LOG2" -o "$WORK/bench.torrent" "$FILE" > /dev/null
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_seed KIND PORT -> PID in SEED_PID
start_seed() {
  local kind=$1 port=$2 log=$WORK/seed.$1.out
  : > "$log"
  if [ "$kind" = enjambre ]; then
    java ${ENJAMBRE_JAVA_OPTS:-} -jar "$JAR" seed "$WORK/bench.torrent" --data "$WORK/seed" --port "$port" > "$log" 2>"$WORK/seed.err" &
  else
    $PY "$LT" seed "$WORK/bench.torrent" "$WORK/seed" "$port" > "$log" 2>&1 &
  fi
  SEED_PID=$!
  PIDS+=("$SEED_PID")
  for _ in $(seq 600); do grep -q '^listening on' "$log" && return 0; sleep 0.1; done
  echo "seeder $kind did not start"; cat "$log"; exit 1
}

# leech KIND PORT -> prints "seconds rss_kib"
leech() {
  local kind=$1 port=$2 out=$WORK/leech
  rm -rf "$out"; mkdir -p "$out"
  if [ "$kind" = enjambre ]; then
    /usr/bin/time -f "%e %M" -o "$WORK/time" java ${ENJAMBRE_JAVA_OPTS:-} -jar "$JAR" download "$WORK/bench.torrent" \
      --out "$out" --peer "127.0.0.1:$port" --timeout 600 > "$WORK/leech.out" 2> "$WORK/leech.err"
  else
    /usr/bin/time -f "%e %M" -o "$WORK/time" $PY "$LT" download "$WORK/bench.torrent" "$out" 0 \
      --peer "127.0.0.1:$port" --timeout 600 > "$WORK/leech.out" 2>&1
  fi
  cmp -s "$FILE" "$out/bench.bin" || { echo "leecher $kind: copy differs!"; exit 1; }
  cat "$WORK/time"
}

PAIRS="enjambre:enjambre libtorrent:libtorrent enjambre:libtorrent libtorrent:enjambre"
declare -A TIMES RSS
for rep in $(seq "$REPS"); do
  for pair in $PAIRS; do
    s=${pair%%:*}; l=${pair##*:}
    port=$(free_port)
    start_seed "$s" "$port"
    read -r secs rss < <(leech "$l" "$port")
    kill "$SEED_PID" 2>/dev/null || true; wait "$SEED_PID" 2>/dev/null || true
    TIMES[$pair]="${TIMES[$pair]:-} $secs"; RSS[$pair]="${RSS[$pair]:-} $rss"
    printf 'rep %d %-22s %7.2f s %8.1f MB/s  leecher peak RSS %d MiB\n' "$rep" "$s->$l" "$secs" \
      "$(echo "$SIZE_MIB * 1.048576 / $secs" | bc -l)" $((rss / 1024))
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
REF=$(echo "${TIMES[libtorrent:libtorrent]}" | median)
{
  echo
  echo "## transfer.sh $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "File: $SIZE_MIB MiB random, piece $((1 << PIECE_LOG2)) bytes, loopback, $REPS repetitions (median shown)."
  echo "Throughput ratio = libtorrent->libtorrent time / pair time (>= 1.0: at least as fast as libtorrent)."
  echo
  echo "| seeder -> leecher | median time (s) | MB/s | leecher peak RSS (MiB) | ratio to lt->lt | all times (s) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for pair in $PAIRS; do
    t=$(echo "${TIMES[$pair]}" | median); r=$(echo "${RSS[$pair]}" | median)
    printf '| %s | %.2f | %.1f | %d | %.2f | %s |\n' "${pair/:/ -> }" "$t" "$(echo "$SIZE_MIB * 1.048576 / $t" | bc -l)" \
      "$(echo "$r / 1024" | bc)" "$(echo "$REF / $t" | bc -l)" "${TIMES[$pair]# }"
  done
} | tee -a "$ROOT/bench/RESULTS.md"
