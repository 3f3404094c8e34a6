#!/usr/bin/python3
"""A libtorrent peer for interop tests and benchmarks, loopback only.

usage: lt_peer.py seed|download TORRENT|MAGNET SAVE_DIR PORT [--peer HOST:PORT]... [--timeout S]
                  [--download-rate BYTES_PER_S] [--dht] [--dht-node HOST:PORT]... [--encryption forced]

Prints 'listening on PORT' once listening, 'peer HOST:PORT client NAME' for each peer and again
whenever libtorrent's name for it changes (a BEP 10 'v' replaces the name it guessed from the peer
id), 'complete SECONDS' when every piece is verified (download), then seeds until killed (seed) or
exits 0 (download). Exit 2 on timeout. --download-rate keeps a leecher leeching for a while (tests
that need it still connected to others). Given a magnet link instead of a .torrent, it also prints
'metadata SECONDS' once the info dictionary came (ut_metadata, from the peers). --encryption forced:
every connection opens with the encrypted greeting (MSE), plaintext allowed after it.
LSD, UPnP and NAT-PMP are off, and the DHT too unless --dht or --dht-node is given: then the torrent's
trackers are dropped and libtorrent joins the DHT through those nodes only, with the settings that
let its DHT work on 127.0.0.1 (see DESIGN.md), naming them again every 2 s (they may start later).
TCP only; several connections per IP allowed; loopback
peers are put in the global peer class so that they are treated like any other peer.
"""
import sys
import time

import libtorrent as lt


def main():
    mode, torrent, save, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    peers, nodes, timeout, download_rate, dht, encryption = [], [], 600.0, 0, False, None
    args = sys.argv[5:]
    while args:
        if args[0] == '--dht':
            dht = True
            args = args[1:]
            continue
        if args[0] == '--peer':
            host, p = args[1].rsplit(':', 1)
            peers.append((host, int(p)))
        elif args[0] == '--dht-node':
            host, p = args[1].rsplit(':', 1)
            nodes.append((host, int(p)))
            dht = True
        elif args[0] == '--timeout':
            timeout = float(args[1])
        elif args[0] == '--download-rate':
            download_rate = int(args[1])
        elif args[0] == '--encryption':
            encryption = args[1]
        args = args[2:]
    settings = {
        'listen_interfaces': '127.0.0.1:%d' % port,
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'enable_outgoing_utp': False, 'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
        'download_rate_limit': download_rate,
    }
    if encryption == 'forced':
        # Every connection must open with the encrypted greeting (Message Stream Encryption); the
        # stream after it may still be plaintext. The default tries it first and falls back.
        settings.update({'out_enc_policy': int(lt.enc_policy.forced), 'in_enc_policy': int(lt.enc_policy.forced),
                         'allowed_enc_level': int(lt.enc_level.both)})
    if dht:
        settings.update({
            'enable_dht': True, 'dht_bootstrap_nodes': '', 'dht_announce_interval': 5,
            'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False,
            'dht_enforce_node_id': False, 'dht_ignore_dark_internet': False,
        })
    session = lt.session(settings)
    ip_filter = lt.ip_filter()
    ip_filter.add_rule('0.0.0.0', '255.255.255.255', 1)
    session.set_peer_class_filter(ip_filter)
    magnet = torrent.startswith('magnet:')
    if magnet:
        params = lt.parse_magnet_uri(torrent)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(torrent)
    if dht:
        params.trackers = []
    params.save_path = save
    handle = session.add_torrent(params)
    # A seeder checks its data first and turns peers away meanwhile: announce 'listening' only
    # once it can serve, so that callers may dial it right away.
    deadline = time.time() + timeout
    while session.listen_port() == 0 or (mode == 'seed' and not handle.status().is_seeding):
        if time.time() > deadline:
            print('not ready after %.0f s' % timeout, flush=True)
            return 2
        time.sleep(0.05)
    print('listening on %d' % session.listen_port(), flush=True)
    start = time.time()
    for peer in peers:
        handle.connect_peer(peer)
    for node in nodes:
        session.add_dht_node(node)
    last_connect = time.time()
    clients = {}
    metadata_seen = not magnet
    while True:
        for info in handle.get_peer_info():
            client = info.client
            if isinstance(client, bytes):
                client = client.decode('utf-8', 'replace')
            key = '%s:%d' % (info.ip[0], info.ip[1])
            if clients.get(key) != client:
                clients[key] = client
                print('peer %s client %s' % (key, client), flush=True)
        status = handle.status()
        if not metadata_seen and status.has_metadata:
            metadata_seen = True
            print('metadata %.3f' % (time.time() - start), flush=True)
        if mode == 'download' and status.is_seeding:
            print('complete %.3f' % (time.time() - start), flush=True)
            return 0
        if time.time() - start > timeout:
            print('timeout at %.1f%%' % (status.progress * 100), flush=True)
            return 2
        if peers and status.num_peers == 0 and time.time() - last_connect > 1:
            for peer in peers:
                handle.connect_peer(peer)
            last_connect = time.time()
        if nodes and status.num_peers == 0 and time.time() - last_connect > 2:
            for node in nodes:
                session.add_dht_node(node)
            last_connect = time.time()
        time.sleep(0.05)


if __name__ == '__main__':
    sys.exit(main())
