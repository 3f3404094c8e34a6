# Sourced by the bench scripts once WORK is set: free_port and free_udp_port print a free port
# that this run has not handed out before (bench/free_port.py says why a bind to port 0 was not
# enough). The ports handed out are listed in WORK, emptied here so that a reused BENCH_DIR starts afresh.
FREE_PORT_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/free_port.py
FREE_PORTS_FILE=$WORK/.ports-handed-out
: > "$FREE_PORTS_FILE"
free_port() { "${PY:-python3}" "$FREE_PORT_PY" "$FREE_PORTS_FILE" tcp; }
free_udp_port() { "${PY:-python3}" "$FREE_PORT_PY" "$FREE_PORTS_FILE" udp; }
