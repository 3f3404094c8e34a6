# Sourced by the bench scripts that wait for a line in a log while the clock runs. It polls with
# bash builtins only: no process per poll. A poll of grep + date + sleep started three processes,
# ~16 ms of CPU each time on this 2-core machine (page faults cost ~10 µs here); at 20 polls a
# second that was a sixth of the machine, taken from the swarm or demo being timed
# (bench/RESULTS.md, "The benchmark's own polling").

# A pipe nobody writes to: `read -t` on it sleeps without starting a process.
exec {AWAIT_SLEEP_FD}<> <(:)

# pause SECONDS: sleeps (fractions allowed).
pause() { read -rt "$1" -u "$AWAIT_SLEEP_FD" _ || true; }

# now: seconds since the epoch with microseconds, without a process: "$EPOCHREALTIME".

# log_has FILE REGEX: whether a line of FILE matches the extended regular expression.
log_has() {
  local line
  [ -f "$1" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do [[ $line =~ $2 ]] && return 0; done < "$1"
  return 1
}

# await_line FILE REGEX SECONDS: waits until a line of FILE matches, polling every 50 ms; after
# SECONDS prints the log's last lines and returns 1.
await_line() {
  local deadline=$(( ${EPOCHREALTIME%.*} + $3 ))
  until log_has "$1" "$2"; do
    (( ${EPOCHREALTIME%.*} < deadline )) || { echo "timeout waiting for /$2/ in $1"; tail -5 "$1"; return 1; }
    pause 0.05
  done
}
