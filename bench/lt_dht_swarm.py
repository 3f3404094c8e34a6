#!/usr/bin/python3
"""libtorrent DHT nodes for bench/dht.sh: COUNT sessions in this one process, each on its own
loopback address (FIRST_IP, FIRST_IP + 1, ...) so that per-address limits on either side see
separate nodes, with the settings DESIGN.md gives for libtorrent's DHT on 127.0.0.1. They join
through the BOOTSTRAP nodes (HOST:PORT, an Enjambre node for the mixed DHT).

Prints 'node IP:PORT' for each session, then 'ready N' once N sessions have nodes in their tables
(bounded: at most --join-seconds). Then reads commands on stdin, one a line:
  lookup HEX        a get_peers lookup for the info-hash from the next session in turn; prints
                    'lookup HEX peers P millis M queries Q' (Q: get_peers queries that session sent;
                    M is -1 when it did not end within 60 s)
  quit              stops
At end of input it keeps the nodes up until killed (bash runs it as a background DHT), at most
--max-seconds.

usage: lt_dht_swarm.py COUNT FIRST_IP BOOTSTRAP... [--join-seconds S] [--max-seconds S]
"""
import ipaddress
import sys
import time
import warnings

import libtorrent as lt


def main():
    warnings.simplefilter('ignore', DeprecationWarning)  # session.status(): still the simplest count of DHT nodes
    args = sys.argv[1:]
    join_seconds, max_seconds = 60.0, 1800.0
    positional = []
    while args:
        if args[0] == '--join-seconds':
            join_seconds = float(args[1])
            args = args[2:]
        elif args[0] == '--max-seconds':
            max_seconds = float(args[1])
            args = args[2:]
        else:
            positional.append(args[0])
            args = args[1:]
    count, first_ip, bootstrap = int(positional[0]), ipaddress.ip_address(positional[1]), positional[2:]
    nodes = []
    for b in bootstrap:
        host, port = b.rsplit(':', 1)
        nodes.append((host, int(port)))
    category = lt.alert.category_t
    sessions = []
    for i in range(count):
        ip = str(first_ip + i)
        s = lt.session({
            'listen_interfaces': '%s:0' % ip,
            'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
            'enable_outgoing_utp': False, 'enable_incoming_utp': False,
            'enable_dht': True, 'dht_bootstrap_nodes': '',
            'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False,
            'dht_enforce_node_id': False, 'dht_ignore_dark_internet': False,
            'alert_mask': category.dht_operation_notification | category.dht_log_notification
            | category.dht_notification | category.error_notification,
        })
        sessions.append((ip, s))
    deadline = time.time() + 10
    while any(s.listen_port() == 0 for _, s in sessions) and time.time() < deadline:
        time.sleep(0.05)
    # Each joins through the bootstrap nodes and through the first session (so the libtorrent
    # sessions also know each other from the start).
    for ip, s in sessions:
        for n in nodes + [(sessions[0][0], sessions[0][1].listen_port())]:
            s.add_dht_node(n)
        print('node %s:%d' % (ip, s.listen_port()), flush=True)
    deadline = time.time() + join_seconds
    while time.time() < deadline:
        joined = sum(1 for _, s in sessions if s.status().dht_nodes > 0)
        if joined == len(sessions):
            break
        for _, s in sessions:
            s.pop_alerts()
        time.sleep(0.2)
    print('ready %d' % sum(1 for _, s in sessions if s.status().dht_nodes > 0), flush=True)

    turn = 0
    started = time.time()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == 'quit':
            return 0
        ip, s = sessions[turn % len(sessions)]
        turn += 1
        if words[0] == 'lookup':
            print(lookup(s, words[1]), flush=True)
    while time.time() - started < max_seconds:
        for _, s in sessions:
            s.pop_alerts()
        time.sleep(1)
    return 0


def lookup(session, hex_hash):
    """One get_peers lookup, timed from the call to the end of libtorrent's traversal for it (its
    'COMPLETED' log line); queries are its dht_outgoing_get_peers alerts for the hash; peers are the
    'values' in the answers that came meanwhile (this libtorrent posts no get_peers reply alert)."""
    session.pop_alerts()
    start = time.time()
    session.dht_get_peers(lt.sha1_hash(bytes.fromhex(hex_hash)))
    queries, peers, traversal = 0, set(), None
    deadline = start + 60
    while time.time() < deadline:
        session.wait_for_alert(100)
        for a in session.pop_alerts():
            if isinstance(a, lt.dht_outgoing_get_peers_alert) and str(a.info_hash) == hex_hash:
                queries += 1
            elif isinstance(a, lt.dht_pkt_alert) and a.message().startswith('<=='):
                peers.update(values(a.pkt_buf))
            elif isinstance(a, lt.dht_log_alert):
                m = a.log_message() if hasattr(a, 'log_message') else a.message()
                if traversal is None and ('NEW target: ' + hex_hash) in m:
                    traversal = m.split('[', 1)[1].split(']', 1)[0]
                elif traversal is not None and ('[%s] COMPLETED' % traversal) in m:
                    millis = (time.time() - start) * 1000
                    return 'lookup %s peers %d millis %.1f queries %d' % (hex_hash, len(peers), millis, queries)
    return 'lookup %s peers %d millis -1 queries %d' % (hex_hash, len(peers), queries)


def values(packet):
    try:
        d = lt.bdecode(packet)
        r = d.get(b'r') if isinstance(d, dict) else None
        return set(r.get(b'values', [])) if isinstance(r, dict) else set()
    except Exception:
        return set()


if __name__ == '__main__':
    sys.exit(main())
