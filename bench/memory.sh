#!/usr/bin/env bash
# Memory benchmark (issue 15, item 7): a 4 GiB download with a 128 MiB heap completes byte-exact.
# One Enjambre seeder and one Enjambre leecher over loopback, both run through ./enjambre with
# -Xmx128m added; the file is generated deterministically (a keyed AES-CTR stream: the same bytes
# on every run and every machine), its torrent made by `enjambre create`. Reports the time, the
# leecher's and the seeder's peak RSS (GNU time's %M), whether the copy is byte-exact, and appends
# it to bench/RESULTS.md. Everything lives in one temporary folder, removed at the end (~2x the
# size on disk), and every process started is stopped by PID.
#
#   bench/memory.sh [SIZE_MIB=4096] [HEAP=128m] [PIECE_LOG2=20]
set -euo pipefail
SIZE_MIB=${1:-4096}
HEAP=${2:-128m}
PIECE_LOG2=${3:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
for tool in openssl:openssl /usr/bin/time:time cmp:diffutils; do
  command -v "${tool%%:*}" >/dev/null || { echo "${tool%%:*} not found (Debian package ${tool##*:})" >&2; exit 1; }
done
ENJAMBRE_AOT=wait "$ROOT/enjambre" download --help > /dev/null # builds the jar and its AOT cache when stale

WORK=$(mktemp -d "${TMPDIR:-/tmp}/enjambre-memory.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/seed" "$WORK/leech"
FILE=$WORK/seed/memory.bin
echo "generating $SIZE_MIB MiB (deterministic)..." >&2
{ openssl enc -aes-128-ctr -pbkdf2 -nosalt -pass pass:enjambre-memory -in /dev/zero 2>/dev/null || true; } \
  | head -c $((SIZE_MIB * 1024 * 1024)) > "$FILE"
[ "$(stat -c %s "$FILE")" -eq $((SIZE_MIB * 1024 * 1024)) ] || { echo "could not generate $FILE" >&2; exit 1; }
"$ROOT/enjambre" create "$FILE" -o "$WORK/memory.torrent" --piece-size $((1 << PIECE_LOG2)) --no-date > /dev/null
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

export ENJAMBRE_JAVA_OPTS="-Xmx$HEAP ${ENJAMBRE_JAVA_OPTS:-}"
# Started without GNU time (a SIGTERM to time would orphan the JVM): the launcher execs java, so
# this PID is the seeder's JVM, and its peak RSS is read from /proc (VmHWM) before it is stopped.
"$ROOT/enjambre" seed "$WORK/memory.torrent" --data "$WORK/seed" \
  --port 0 > "$WORK/seed.out" 2> "$WORK/seed.err" &
PIDS+=($!)
port=""
for _ in $(seq 1200); do
  port=$(sed -n 's/^listening on \([0-9]*\).*/\1/p' "$WORK/seed.out" | head -1)
  [ -n "$port" ] && break
  kill -0 "${PIDS[0]}" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { echo "the seeder did not start:" >&2; tail -5 "$WORK/seed.out" "$WORK/seed.err" >&2; exit 1; }

rc=0
/usr/bin/time -f "%e %M" -o "$WORK/leech.time" "$ROOT/enjambre" download "$WORK/memory.torrent" --out "$WORK/leech" \
  --peer "127.0.0.1:$port" --timeout 1200 > "$WORK/leech.out" 2> "$WORK/leech.err" || rc=$?
exact=no
if [ "$rc" -eq 0 ] && cmp -s "$FILE" "$WORK/leech/memory.bin"; then exact=yes; fi
read -r secs leech_rss < <(tail -1 "$WORK/leech.time")
seed_rss=$(awk '/^VmHWM:/ {print $2}' "/proc/${PIDS[0]}/status" 2>/dev/null || true)
kill "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
result="download exit status $rc, byte-exact: $exact"
[ "$rc" -eq 0 ] || result="$result ($(grep -v '^$' "$WORK/leech.err" "$WORK/leech.out" | tail -1))"

report="$(cat <<EOT
### memory.sh: ${SIZE_MIB} MiB with -Xmx${HEAP} — $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) cores, load average at start ${LOAD_START}, at the end $(cut -d' ' -f1-3 /proc/loadavg)
- one Enjambre seeder -> one Enjambre leecher over loopback, pieces of $((1 << PIECE_LOG2)) bytes, both JVMs with -Xmx${HEAP} (plus ./enjambre's options)
- ${result}; ${secs} s; **leecher peak RSS $((leech_rss / 1024)) MiB**, seeder peak RSS $(( ${seed_rss:-0} / 1024 )) MiB
EOT
)"
echo "$report"
{ echo; echo "$report"; } >> "$ROOT/bench/RESULTS.md"
[ "$exact" = yes ]
