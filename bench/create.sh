#!/usr/bin/env bash
# Benchmark: `enjambre create` against `mktorrent` on the same generated 1 GiB file, same piece
# size (1 MiB), same number of hashing threads (all cores), several repetitions interleaved in
# one run. The page cache is warm for both: the file is read once before timing and each tool
# does an untimed warm-up run, so both measure hashing + the tool's own overhead, not the disk.
# Prints the result and appends it to bench/RESULTS.md.
#
#   bench/create.sh [REPETITIONS]     (default 5; BENCH_SIZE_MIB=1024 to change the file size)
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
reps="${1:-5}"
size_mib="${BENCH_SIZE_MIB:-1024}"
work="$here/work"
data="$work/data-${size_mib}MiB.bin"
threads="$(nproc)"

for tool in mktorrent:mktorrent openssl:openssl bc:bc /usr/bin/time:time; do
  command -v "${tool%%:*}" >/dev/null || { echo "${tool%%:*} not found (Debian package ${tool##*:})" >&2; exit 1; }
done
mkdir -p "$work"

if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne $((size_mib * 1024 * 1024)) ]; then
  echo "generating $data (once)…" >&2
  # Random, incompressible content from a fast keyed stream (urandom is slow for 1 GiB).
  # (openssl dies of SIGPIPE when head has enough: expected, so the pipeline status is not checked.)
  { openssl enc -aes-128-ctr -pbkdf2 -nosalt -pass pass:enjambre-bench -in /dev/zero 2>/dev/null || true; } \
    | head -c $((size_mib * 1024 * 1024)) > "$data.tmp"
  [ "$(stat -c %s "$data.tmp")" -eq $((size_mib * 1024 * 1024)) ] || { echo "could not generate $data" >&2; exit 1; }
  mv "$data.tmp" "$data"
fi

# Build once, outside the timing.
ENJAMBRE_AOT=wait "$root/enjambre" create --help >/dev/null  # the jar and the AOT cache of create

# Warm the page cache for both tools, the way a file that was read from disk sits in it: its cached
# pages are dropped first (dd's nocache) and the file read back once. How a file came into the cache
# decides the size of its page-cache folios (Linux 6.x: reads ahead in large folios, up to 2 MiB;
# the generator's pipe writes left small ones). Both tools read with read() now and measured the
# same in both states (bench/RESULTS.md, "create: reads instead of mappings"); the state is still
# set here rather than left to the file's history. BENCH_CACHE=as-is skips this.
if [ "${BENCH_CACHE:-read}" = read ]; then
  dd if="$data" iflag=nocache count=0 status=none
fi
cat "$data" > /dev/null

# The exact commands timed (GNU time runs programs, not shell functions). mktorrent refuses to
# overwrite, so its output is removed first, outside the timing.
run_enjambre_cmd() { "$root/enjambre" create "$data" -o "$work/enjambre.torrent" --force --piece-size 1M --no-date \
                       --threads "$threads" -t http://127.0.0.1:6969/announce >/dev/null; }
run_mktorrent_cmd() { mktorrent -l 20 -t "$threads" -d -a http://127.0.0.1:6969/announce -o "$work/mktorrent.torrent" "$data" >/dev/null; }
export -f run_enjambre_cmd run_mktorrent_cmd
export root data work threads

# command... -> "WALL CPU" seconds (CPU = user + sys of the process and its children, from GNU time:
# less sensitive than wall time to other work on a shared machine).
measure() {
  local tf; tf="$(mktemp)"
  /usr/bin/time -f "%e %U %S" -o "$tf" "$@"
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$tf"
  rm -f "$tf"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.3f", a[(NR+1)/2]; else printf "%.3f", (a[NR/2]+a[NR/2+1])/2}'; }

run_enjambre_cmd; rm -f "$work/mktorrent.torrent"; run_mktorrent_cmd   # untimed warm-up

e_wall=(); e_cpu=(); m_wall=(); m_cpu=()
for i in $(seq 1 "$reps"); do
  read -r w c < <(measure bash -c run_enjambre_cmd); e_wall+=("$w"); e_cpu+=("$c")
  rm -f "$work/mktorrent.torrent"; read -r w c < <(measure bash -c run_mktorrent_cmd); m_wall+=("$w"); m_cpu+=("$c")
  echo "  rep $i: enjambre ${e_wall[-1]} s (cpu ${e_cpu[-1]} s), mktorrent ${m_wall[-1]} s (cpu ${m_cpu[-1]} s)" >&2
done

# Same content, same piece size: the info-hashes must agree (both single-file, same name).
e_hash="$("$root/enjambre" info "$work/enjambre.torrent" --json | sed -E 's/.*"infoHash":"([0-9a-f]{40})".*/\1/')"
m_hash="$("$root/enjambre" info "$work/mktorrent.torrent" --json | sed -E 's/.*"infoHash":"([0-9a-f]{40})".*/\1/')"
same="yes"; [ "$e_hash" = "$m_hash" ] || same="NO ($e_hash vs $m_hash)"

e_med="$(printf '%s\n' "${e_wall[@]}" | median)"
m_med="$(printf '%s\n' "${m_wall[@]}" | median)"
e_cmed="$(printf '%s\n' "${e_cpu[@]}" | median)"
m_cmed="$(printf '%s\n' "${m_cpu[@]}" | median)"
ratio="$(echo "$e_med / $m_med" | bc -l | xargs printf '%.2f')"
cratio="$(echo "$e_cmed / $m_cmed" | bc -l | xargs printf '%.2f')"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
. "$root/scripts/find-java.sh"; require_java
java_v="$("$JAVA" -version 2>&1 | head -1)"
mk_v="$(mktorrent -h 2>&1 | head -1)"

report="$(cat <<EOT
### create: enjambre vs mktorrent — $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: $(nproc) cores, ${cpu}; ${java_v}; ${mk_v}
- input: one ${size_mib} MiB file, piece size 1 MiB, ${threads} hashing threads each, warm page cache (${BENCH_CACHE:-read}: file's cached pages dropped and read back once before timing, one untimed warm-up run each), ${reps} repetitions interleaved
- enjambre create: median ${e_med} s wall, ${e_cmed} s CPU (wall runs: ${e_wall[*]})
- mktorrent -l 20 -t ${threads}: median ${m_med} s wall, ${m_cmed} s CPU (wall runs: ${m_wall[*]})
- **ratio enjambre/mktorrent: ${ratio} in wall time** (goal <= 1.0), ${cratio} in CPU time; same info-hash: ${same}; load average at the end: ${load}
EOT
)"
echo "$report"
{ echo; echo "$report"; } >> "$here/RESULTS.md"
