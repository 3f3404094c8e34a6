#!/usr/bin/python3
"""A libtorrent peer that finds its swarm through the DHT alone, for interop tests, loopback only.

usage: lt_dht_peer.py seed|download TORRENT SAVE_DIR PORT --dht-node HOST:PORT... [--timeout S]

No tracker and no peer is given: the torrent's trackers are dropped, and libtorrent joins the DHT
through the --dht-node addresses only (no built-in bootstrap node). Prints 'listening on PORT'
(TCP and the DHT's UDP), 'peer HOST:PORT' for each peer met, 'complete SECONDS' when every piece is
verified (download), then seeds until killed (seed) or exits 0 (download). Exit 2 on timeout.
The DHT settings are those that let libtorrent's DHT work on 127.0.0.1 (see DESIGN.md).
"""
import sys
import time

import libtorrent as lt


def main():
    mode, torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nodes, timeout = [], 600.0
    args = sys.argv[5:]
    while args:
        if args[0] == '--dht-node':
            host, p = args[1].rsplit(':', 1)
            nodes.append((host, int(p)))
        elif args[0] == '--timeout':
            timeout = float(args[1])
        args = args[2:]
    settings = {
        'listen_interfaces': '127.0.0.1:%d' % port,
        'enable_dht': True, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'enable_outgoing_utp': False, 'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False,
        'dht_enforce_node_id': False, 'dht_ignore_dark_internet': False,
        'dht_bootstrap_nodes': '',
        'dht_announce_interval': 5,
        'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    }
    session = lt.session(settings)
    ip_filter = lt.ip_filter()
    ip_filter.add_rule('0.0.0.0', '255.255.255.255', 1)
    session.set_peer_class_filter(ip_filter)
    for node in nodes:
        session.add_dht_node(node)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.trackers = []
    params.save_path = save
    handle = session.add_torrent(params)
    deadline = time.time() + timeout
    while session.listen_port() == 0 or (mode == 'seed' and not handle.status().is_seeding):
        if time.time() > deadline:
            print('not ready after %.0f s' % timeout, flush=True)
            return 2
        time.sleep(0.05)
    print('listening on %d' % session.listen_port(), flush=True)
    start = time.time()
    seen = set()
    last_nodes = time.time()
    while True:
        for info in handle.get_peer_info():
            key = '%s:%d' % (info.ip[0], info.ip[1])
            if key not in seen:
                seen.add(key)
                print('peer %s' % key, flush=True)
        status = handle.status()
        if mode == 'download' and status.is_seeding:
            print('complete %.3f' % (time.time() - start), flush=True)
            return 0
        if time.time() - start > timeout:
            print('timeout at %.1f%%' % (status.progress * 100), flush=True)
            return 2
        if time.time() - last_nodes > 2:
            # The bootstrap node may not have been up yet: name it again until the swarm is met.
            for node in nodes:
                session.add_dht_node(node)
            last_nodes = time.time()
        time.sleep(0.05)


if __name__ == '__main__':
    sys.exit(main())
