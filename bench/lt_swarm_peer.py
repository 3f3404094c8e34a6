#!/usr/bin/python3
"""A libtorrent swarm peer for bench/swarm.sh, loopback only.

usage: lt_swarm_peer.py seed|download TORRENT SAVE_DIR PORT UPLOAD_BYTES_PER_S [--timeout S]

Prints 'listening on PORT' once it can serve, 'complete SECONDS' (download) when every piece is
verified, then keeps seeding until killed, so that it goes on helping the others. Peers come from
the torrent's tracker only. DHT, LSD, UPnP, NAT-PMP and uTP are off; loopback peers are put in
the global peer class, so that the upload limit applies to them too (libtorrent exempts local
peers otherwise).
"""
import sys
import time

import libtorrent as lt


def main():
    mode, torrent, save, port, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[6] == '--timeout' else 600.0
    settings = {
        'listen_interfaces': '127.0.0.1:%d' % port,
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'enable_outgoing_utp': False, 'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'upload_rate_limit': rate,
        'ssrf_mitigation': False,
        'announce_to_all_trackers': True,
        # Re-announce at the interval the tracker asks for (libtorrent's default floor is 300 s,
        # longer than a short run's peer expiry), floored at 5 s as Enjambre's client is.
        'min_announce_interval': 5,
        'alert_mask': lt.alert.category_t.error_notification,
    }
    session = lt.session(settings)
    ip_filter = lt.ip_filter()
    ip_filter.add_rule('0.0.0.0', '255.255.255.255', 1)
    session.set_peer_class_filter(ip_filter)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
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
    done = mode == 'seed'
    while time.time() < deadline:
        status = handle.status()
        if not done and status.is_seeding:
            print('complete %.3f' % (time.time() - start), flush=True)
            done = True
        time.sleep(0.05)
    return 0 if done else 2


if __name__ == '__main__':
    sys.exit(main())
