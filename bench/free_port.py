#!/usr/bin/env python3
"""Free loopback ports for the bench scripts, never the same one twice in a run.

Binding port 0 and closing the socket gives a port that is free at that moment, and nothing holds
it until the process it is meant for binds it, seconds later (a JVM starting): two such calls could
return the same port, and the outgoing connections of the processes already running (every tracker
announce, every peer dial) take their local ports from that same ephemeral range meanwhile.
"Address already in use" followed (bench/RESULTS.md: two swarm.sh runs lost). So the ports come
from below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), where the kernel never
picks a port by itself, at random, each checked free by binding it, and each written to a file
that the calls of one run share, so that a port is handed out once.

usage: free_port.py FILE [tcp|udp] [COUNT]    prints COUNT (default 1) ports, one a line
       free_port()                              from Python (bench/soak.py): remembered in the process
"""
import fcntl
import random
import socket
import sys

# Ports under 10000 are where fixed services live; the range handed out ends below the ephemeral one.
LOWEST = 10000
TRIES = 500


def ephemeral_range():
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def candidates():
    """The ports to pick from: below the ephemeral range, else above it, else (no room) any."""
    low, high = ephemeral_range()
    if low - LOWEST >= 1000:
        return range(LOWEST, low)
    if 65535 - high >= 1000:
        return range(high + 1, 65536)
    return None


def bindable(port, kind):
    family_type = socket.SOCK_DGRAM if kind == 'udp' else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, family_type) as s:
        try:
            # Every address: a peer listening on 0.0.0.0 clashes with anyone on 127.0.0.1 too.
            s.bind(('0.0.0.0', port))
            return True
        except OSError:
            return False


def any_port(kind):
    family_type = socket.SOCK_DGRAM if kind == 'udp' else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, family_type) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def pick(taken, kind):
    """A port free now and not in TAKEN."""
    pool = candidates()
    for _ in range(TRIES):
        port = random.choice(pool) if pool is not None else any_port(kind)
        if port not in taken and bindable(port, kind):
            return port
    raise SystemExit('free_port.py: no free %s port in %d tries' % (kind, TRIES))


# A Python caller's ports, when it names no file: one process, one run.
_handed_out = set()


def free_port(path=None, kind='tcp'):
    """A port free now and not handed out before by a call with the same FILE (or in this process)."""
    if path is None:
        port = pick(_handed_out, kind)
        _handed_out.add(port)
        return port
    with open(path, 'a+') as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # calls of one run may overlap (background jobs)
        f.seek(0)
        port = pick({int(line) for line in f.read().split()}, kind)
        f.write('%d\n' % port)
        return port


if __name__ == '__main__':
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    kind = sys.argv[2] if len(sys.argv) > 2 else 'tcp'
    if kind not in ('tcp', 'udp'):
        raise SystemExit('free_port.py: kind is tcp or udp, not ' + kind)
    for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 1):
        print(free_port(sys.argv[1], kind))
